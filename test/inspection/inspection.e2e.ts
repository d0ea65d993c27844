// End to end (CONTRACT v1.1): DICOM files read by `cli inspect`'s code, its inspections
// published to a real Kafka, recorded by the real ingest into a real PostgreSQL, and read
// back through the GraphQL API: the two findings, the accounting `exempt`, Study.inspections.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken, type Role } from '@scantrail/access';
import { TEST_PATIENT, cloudEvent, encodeEvent } from '@scantrail/contract/testing';
import { INSPECTOR_TOOL } from '@scantrail/inspection';
import { buildHeadCtSeries, buildInstance, testUid } from '@scantrail/inspection/testing';
import { LedgerLog, LedgerReader } from '@scantrail/storage';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import { rebuildReadModels } from '../../apps/cli/src/commands/rebuild.command';
import { verifyReadModels } from '../../apps/cli/src/verify/read-model-verifier';
import { inspectionEvents, runInspection } from '../../apps/cli/src/commands/inspect.command';
import { E2eStack } from '../support/e2e-stack';
import { eventually, findingsSettled, testSettings, type TestDatabase } from '../support/test-env';

const VENDOR = 'vnd-inspect-research';
const OTHER_VENDOR = 'vnd-inspect-other';
const S1 = '1.2.826.0.1.3680043.8.498.7001';
const FAILED_COPY = '1.2.826.0.1.3680043.8.498.7002';
const CLEAN_COPY = '1.2.826.0.1.3680043.8.498.7003';

interface GqlResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

describe('de-identification inspections through Kafka, the ledger and GraphQL', () => {
  let stack: E2eStack;
  let db: TestDatabase;
  let api: RunningApi;
  let dir: string;
  const settings = testSettings();
  const token = (roles: Role[], vendorId?: string) =>
    mintToken({
      secret: settings.authJwtSecret,
      sub: 'inspect-e2e',
      roles,
      vendorId,
      ttlSeconds: 600,
    });

  async function gql<T>(bearer: string, query: string, variables = {}): Promise<GqlResponse<T>> {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GqlResponse<T>;
  }

  async function send(values: Buffer[], key: string): Promise<void> {
    const producer = await stack.kafka.producer();
    await producer.send(
      stack.topic,
      values.map((value) => ({ key, value })),
    );
    await producer.disconnect();
  }

  const event = (type: string, data: unknown, time: string) =>
    encodeEvent(cloudEvent(type, data, { time }));

  beforeAll(async () => {
    stack = await E2eStack.open(3);
    ({ db } = stack);
    await stack.startIngest(settings);
    api = await stack.startApi(settings);
    dir = mkdtempSync(join(tmpdir(), 'scantrail-inspect-e2e-'));
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should record published inspections once and report their findings, exemption and inspections', async () => {
    // The hospital's events: a head CT, two de-identified copies, both disclosed as DEIDENTIFIED.
    await send(
      [
        event(
          'org.scantrail.vendor.registered',
          { vendorId: VENDOR, name: 'Research Partner', role: 'RESEARCH_PARTNER' },
          '2024-01-01T00:00:00Z',
        ),
        event(
          'org.scantrail.agreement.signed',
          {
            agreementId: 'agr-inspect',
            vendorId: VENDOR,
            kind: 'DUA',
            permittedPurposes: ['RESEARCH'],
            effectiveFrom: '2024-01-01',
            allowsOnwardTransfer: false,
          },
          '2024-01-01T00:00:00Z',
        ),
      ],
      VENDOR,
    );
    await send(
      [
        event(
          'org.scantrail.study.registered',
          {
            studyInstanceUid: S1,
            patient: TEST_PATIENT,
            modality: 'CT',
            bodyPart: 'HEAD',
            studyDate: '2024-02-01',
            facility: 'General',
          },
          '2024-02-01T00:00:00Z',
        ),
        event(
          'org.scantrail.study.deidentified',
          {
            sourceStudyInstanceUid: S1,
            derivedStudyInstanceUid: CLEAN_COPY,
            methodCodes: ['113100', '113102'],
            tool: { name: 'deid', version: '2' },
          },
          '2024-02-02T00:00:00Z',
        ),
      ],
      S1,
    );
    for (const [id, uid] of [
      ['dsc-failed', FAILED_COPY],
      ['dsc-clean', CLEAN_COPY],
    ]) {
      await send(
        [
          event(
            'org.scantrail.disclosure.recorded',
            {
              disclosureId: id,
              recipientVendorId: VENDOR,
              target: { studyInstanceUid: uid },
              purpose: 'RESEARCH',
              legalBasis: 'DEIDENTIFIED',
              agreementId: 'agr-inspect',
            },
            '2024-03-01T00:00:00Z',
          ),
        ],
        uid,
      );
    }

    // The copies' files: one still carries the patient's MRN (no issuer) and more; one is clean.
    buildHeadCtSeries({
      studyInstanceUid: FAILED_COPY,
      patientId: TEST_PATIENT.value,
      otherPatientIds: [{ value: 'EMPI-77' }],
      institutionName: 'General Hospital',
      patientIdentityRemoved: 'YES',
      methodCodes: ['113100', '113102'],
    }).forEach((file, i) => {
      mkdirSync(join(dir, 'failed'), { recursive: true });
      writeFileSync(join(dir, 'failed', `${i}.dcm`), file);
    });
    mkdirSync(join(dir, 'clean'), { recursive: true });
    writeFileSync(
      join(dir, 'clean', '1.dcm'),
      buildInstance({
        studyInstanceUid: CLEAN_COPY,
        seriesInstanceUid: testUid(),
        patientIdentityRemoved: 'YES',
        methodCodes: ['113100', '113102'],
        bodyPart: 'HEAD',
      }),
    );
    const run = await runInspection([join(dir, 'failed'), join(dir, 'clean')]);
    const published = inspectionEvents(
      run,
      'urn:scantrail:cli:inspect',
      new Date('2024-04-01T00:00:00Z'),
    );
    expect(published).toHaveLength(2);
    // Published twice (a re-run of the same files): recorded once.
    for (const message of [...published, ...published]) await send([message.value], message.key);
    // The failed copy's derivation arrives last: the inspection already waits for it.
    await send(
      [
        event(
          'org.scantrail.study.deidentified',
          {
            sourceStudyInstanceUid: S1,
            derivedStudyInstanceUid: FAILED_COPY,
            methodCodes: ['113100', '113102'],
            tool: { name: 'deid', version: '2' },
          },
          '2024-02-02T00:00:00Z',
        ),
      ],
      S1,
    );

    const reader = new LedgerReader(db.dataSource);
    await eventually(
      async () => ((await reader.treeSize()) === 9 ? true : undefined),
      90_000,
      '9 ledger entries',
    );
    await findingsSettled(db.dataSource);
    const inspectedLeaves: string[] = [];
    for (let sequence = 0; sequence < 9; sequence += 1) {
      const leaf = (await reader.entry(sequence))?.leafData ?? '';
      if (leaf.includes('deidentification.inspected')) inspectedLeaves.push(leaf);
    }
    expect(inspectedLeaves).toHaveLength(2);
    for (const leaf of inspectedLeaves) expect(leaf).not.toContain(TEST_PATIENT.value);

    const officer = token(['privacy_officer']);
    const findingsOf = async (code: string) =>
      eventually(
        async () => {
          const result = await gql<{
            findings: { edges: { node: { studyInstanceUid: string; detail: string } }[] };
          }>(
            officer,
            'query($code: FindingCode) { findings(code: $code) { edges { node { studyInstanceUid detail } } } }',
            { code },
          );
          const nodes = result.data?.findings.edges.map((e) => e.node) ?? [];
          return nodes.length > 0 ? nodes : undefined;
        },
        60_000,
        `${code} findings`,
      );
    const failed = await findingsOf('DEIDENTIFICATION_FAILED');
    expect(failed.map((f) => f.studyInstanceUid)).toEqual([FAILED_COPY]);
    expect(failed[0]?.detail).toContain('IDENTIFYING_ATTRIBUTE_PRESENT');
    const identifiable = await findingsOf('PATIENT_IDENTIFIABLE');
    expect(identifiable.map((f) => f.studyInstanceUid)).toEqual([FAILED_COPY]);

    const accounting = await gql<{
      accountingOfDisclosures: { entries: { disclosureId: string; exempt: boolean }[] };
    }>(
      officer,
      'query($p: PatientIdentifierInput!) { accountingOfDisclosures(patient: $p) { entries { disclosureId exempt } } }',
      { p: TEST_PATIENT },
    );
    expect(accounting.errors).toBeUndefined();
    expect(
      Object.fromEntries(
        accounting.data?.accountingOfDisclosures.entries.map((e) => [e.disclosureId, e.exempt]) ??
          [],
      ),
    ).toEqual({ 'dsc-failed': false, 'dsc-clean': true });

    const studyQuery = `query($uid: String!) { study(studyInstanceUid: $uid) { inspections {
      inspectionId occurredAt tool instances result methodCodesFound ledgerSequence
      issues { code instances keyword tag } } } }`;
    type StudyInspections = {
      study: {
        inspections: {
          inspectionId: string;
          occurredAt: string;
          tool: string;
          instances: number;
          result: string;
          methodCodesFound: string[];
          issues: { code: string; instances: number; keyword: string | null; tag: string | null }[];
        }[];
      } | null;
    };
    const failedStudy = await gql<StudyInspections>(officer, studyQuery, { uid: FAILED_COPY });
    expect(failedStudy.errors).toBeUndefined();
    const [inspection] = failedStudy.data?.study?.inspections ?? [];
    expect(failedStudy.data?.study?.inspections).toHaveLength(1);
    expect(inspection).toMatchObject({
      occurredAt: '2024-04-01T00:00:00.000Z',
      tool: `${INSPECTOR_TOOL.name} ${INSPECTOR_TOOL.version}`,
      instances: 24,
      result: 'FAIL',
      methodCodesFound: ['113100', '113102'],
    });
    expect(inspection?.issues).toContainEqual({
      code: 'IDENTIFYING_ATTRIBUTE_PRESENT',
      instances: 24,
      keyword: 'OtherPatientIDsSequence',
      tag: '0010,1002',
    });
    const cleanStudy = await gql<StudyInspections>(officer, studyQuery, { uid: CLEAN_COPY });
    expect(cleanStudy.data?.study?.inspections.map((i) => [i.result, i.issues])).toEqual([
      ['PASS', []],
    ]);

    // Roles: the auditor and the recipient read it; another vendor does not see the study.
    const asAuditor = await gql<StudyInspections>(token(['auditor']), studyQuery, {
      uid: FAILED_COPY,
    });
    expect(asAuditor.data?.study?.inspections).toHaveLength(1);
    const asRecipient = await gql<StudyInspections>(token(['vendor'], VENDOR), studyQuery, {
      uid: FAILED_COPY,
    });
    expect(asRecipient.data?.study?.inspections).toHaveLength(1);
    const asOther = await gql<StudyInspections>(token(['vendor'], OTHER_VENDOR), studyQuery, {
      uid: FAILED_COPY,
    });
    expect(asOther.data?.study ?? null).toBeNull();
    expect(JSON.stringify(asOther)).not.toContain('IDENTIFYING_ATTRIBUTE_PRESENT');
  }, 240_000);

  // Needs the first test's events in the ledger (the tests of a file run in order).
  it('should judge deletion requests and breaches by the inspections known as of their time', async () => {
    const officer = token(['privacy_officer']);
    await send(
      [
        event(
          'org.scantrail.deletion.requested',
          { requestId: 'del-inspect', patient: TEST_PATIENT, dueBy: '2024-03-20' },
          '2024-03-10T00:00:00Z',
        ),
      ],
      'del-inspect',
    );
    await send(
      [
        event(
          'org.scantrail.breach.reported',
          { breachId: 'brc-inspect', vendorId: VENDOR, discoveredAt: '2024-05-01' },
          '2024-05-02T00:00:00Z',
        ),
      ],
      'brc-inspect',
    );
    type Request = {
      deletionRequest: {
        status: string;
        obligations: { studyInstanceUid: string; status: string }[];
      } | null;
    };
    const requestAsOf = (asOf: string) =>
      gql<Request>(
        officer,
        `query($asOf: DateTime) { deletionRequest(requestId: "del-inspect", asOf: $asOf) {
          status obligations { studyInstanceUid status } } }`,
        { asOf },
      );
    const statuses = (r: GqlResponse<Request>) =>
      Object.fromEntries(
        r.data?.deletionRequest?.obligations.map((o) => [o.studyInstanceUid, o.status]) ?? [],
      );
    // Before the inspections (2024-04-01) both copies were properly de-identified as far as
    // anyone knew; after them, the failed copy is an obligation like the patient's own files.
    const before = await eventually(
      async () => {
        const r = await requestAsOf('2024-03-25T00:00:00Z');
        return r.data?.deletionRequest ? r : undefined;
      },
      60_000,
      'the deletion request',
    );
    expect(before.errors).toBeUndefined();
    expect(statuses(before)).toEqual({ [FAILED_COPY]: 'EXEMPT', [CLEAN_COPY]: 'EXEMPT' });
    expect(before.data?.deletionRequest?.status).toBe('FULFILLED');
    const after = await requestAsOf('2024-05-01T00:00:00Z');
    expect(statuses(after)).toEqual({ [FAILED_COPY]: 'OVERDUE', [CLEAN_COPY]: 'EXEMPT' });
    expect(after.data?.deletionRequest?.status).toBe('OVERDUE');

    type Breach = {
      breachImpact: {
        patientsToNotify: number;
        affected: {
          edges: {
            node: {
              studyInstanceUid: string;
              deidentified: boolean;
              notificationRequired: boolean;
            };
          }[];
        };
      } | null;
    };
    const breach = await eventually(
      async () => {
        const r = await gql<Breach>(
          officer,
          `{ breachImpact(breachId: "brc-inspect") { patientsToNotify affected(first: 10) {
            edges { node { studyInstanceUid deidentified notificationRequired } } } } }`,
        );
        return r.data?.breachImpact ? r : undefined;
      },
      60_000,
      'the breach report',
    );
    expect(breach.errors).toBeUndefined();
    expect(breach.data?.breachImpact?.affected.edges.map((e) => e.node)).toEqual(
      [
        { studyInstanceUid: FAILED_COPY, deidentified: false, notificationRequired: true },
        { studyInstanceUid: CLEAN_COPY, deidentified: true, notificationRequired: false },
      ].sort((a, b) => (a.studyInstanceUid < b.studyInstanceUid ? -1 : 1)),
    );
    expect(breach.data?.breachImpact?.patientsToNotify).toBe(1);
  }, 180_000);

  it('should find a drifted inspection row with verify --read-models and restore it by rebuild', async () => {
    const studyQuery = `query($uid: String!) { study(studyInstanceUid: $uid) { inspections {
      inspectionId occurredAt tool instances result methodCodesFound ledgerSequence
      issues { code instances keyword tag } } findings { code detail } } }`;
    const officer = token(['privacy_officer']);
    const before = await gql<unknown>(officer, studyQuery, { uid: FAILED_COPY });
    expect(JSON.stringify(before)).toContain('DEIDENTIFICATION_FAILED');

    const clean = await verifyReadModels(db.dataSource);
    expect(clean.differences).toEqual([]);
    expect(clean.tables).toBeGreaterThan(10);

    // The apps' role may rewrite a read model (the projection does); verify must notice.
    const changed = await db.dataSource.query<{ ledger_sequence: string }[]>(
      `SELECT ledger_sequence::text AS ledger_sequence FROM rm_inspections WHERE study_uid = $1`,
      [FAILED_COPY],
    );
    expect(changed).toHaveLength(1);
    await db.dataSource.query(
      `UPDATE rm_inspections SET result = 'PASS', issues = '[]' WHERE study_uid = $1`,
      [FAILED_COPY],
    );
    const drifted = await verifyReadModels(db.dataSource);
    expect(drifted.differences).toEqual([
      {
        table: 'rm_inspections',
        kind: 'changed',
        key: { ledger_sequence: Number(changed[0]?.ledger_sequence) },
        columns: ['issues', 'result'],
      },
    ]);

    const replayed = await rebuildReadModels(db.database, new LedgerLog(settings.ledgerOrigin));
    expect(replayed).toBeGreaterThanOrEqual(9);
    expect((await verifyReadModels(db.dataSource)).differences).toEqual([]);
    expect(await gql<unknown>(officer, studyQuery, { uid: FAILED_COPY })).toEqual(before);
  }, 180_000);
});
