// Deletion requests and breach reports end to end: events through a real Kafka topic into
// the real ingest and PostgreSQL, answers read back through the GraphQL API by each role.
// Late events (an attestation, an onward transfer) must change the answers as if in time.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessLogService, mintToken, Viewer, type Role } from '@scantrail/access';
import { PatientRightsReadService } from '@scantrail/queries';
import { LedgerLog } from '@scantrail/storage';
import { rebuildReadModels } from '../../apps/cli/src/commands/rebuild.command';
import type { Settings } from '@scantrail/config';
import { cloudEvent, encodeEvent } from '@scantrail/contract/testing';
import { subjectOf, type EventType, type LineageEvent } from '@scantrail/contract';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import type { RunningIngest } from '../../apps/ingest/src/ingest';
import { writePatientRightsFile } from '../../apps/cli/src/commands/patient-rights.command';
import { GraphqlClient, type Connection } from '../scenario/graphql-client';
import { E2eStack } from '../support/e2e-stack';
import { eventually, findingsSettled, testSettings, type TestDatabase } from '../support/test-env';
import { removeScratchDirs, scratchDir } from '../support/scratch';

afterAll(removeScratchDirs);

const SYSTEM = 'urn:oid:2.16.840.1.113883.3.7';
const PATIENT = { system: SYSTEM, value: 'MRN-PR-0001' };
const OTHER_PATIENT = { system: SYSTEM, value: 'MRN-PR-0002' };
const LONELY_PATIENT = { system: SYSTEM, value: 'MRN-PR-0003' };

let sequence = 0;
function event<T extends EventType>(
  type: T,
  time: string,
  data: Parameters<typeof cloudEvent<T>>[1],
) {
  return cloudEvent(type, data, {
    id: `pr-e2e-${++sequence}`,
    source: 'urn:scantrail:e2e:rights',
    time,
  });
}

const study = (uid: string, patient: typeof PATIENT, time = '2025-01-02T09:00:00Z') =>
  event('org.scantrail.study.registered', time, {
    studyInstanceUid: uid,
    patient,
    accessionNumber: `ACC-${uid}`,
    modality: 'CT',
    bodyPart: 'CHEST',
    studyDate: '2025-01-02',
    facility: 'Northfield General Hospital',
  });

const disclose = (id: string, to: string, uid: string, time: string) =>
  event('org.scantrail.disclosure.recorded', time, {
    disclosureId: id,
    recipientVendorId: to,
    target: { studyInstanceUid: uid },
    purpose: 'RESEARCH',
    legalBasis: 'IRB_WAIVER',
  });

const PHASE_1 = [
  event('org.scantrail.vendor.registered', '2024-12-01T00:00:00Z', {
    vendorId: 'vnd-pr-acme',
    name: 'Acme Imaging AI',
    role: 'AI_DEVELOPER',
  }),
  study('2.25.901', PATIENT),
  study('2.25.902', PATIENT),
  study('2.25.909', OTHER_PATIENT),
  event('org.scantrail.study.deidentified', '2025-01-03T09:00:00Z', {
    sourceStudyInstanceUid: '2.25.901',
    derivedStudyInstanceUid: '2.25.901.1',
    methodCodes: ['113100', '113101'],
    tool: { name: 'deid', version: '1.0' },
  }),
  disclose('dsc-pr-1', 'vnd-pr-acme', '2.25.901', '2025-01-10T12:00:00Z'),
  disclose('dsc-pr-2', 'vnd-pr-acme', '2.25.901.1', '2025-01-10T12:00:00Z'),
  disclose('dsc-pr-3', 'vnd-pr-acme', '2.25.902', '2025-01-12T12:00:00Z'),
  disclose('dsc-pr-4', 'vnd-pr-acme', '2.25.909', '2025-01-12T12:00:00Z'),
  event('org.scantrail.deletion.requested', '2025-03-01T10:00:00Z', {
    requestId: 'del-pr-1',
    patient: PATIENT,
    dueBy: '2025-03-31',
    legalGround: 'CCPA 1798.105',
  }),
  event('org.scantrail.deletion.requested', '2025-03-02T10:00:00Z', {
    requestId: 'del-pr-lonely',
    patient: LONELY_PATIENT,
    dueBy: '2025-02-01',
  }),
  event('org.scantrail.breach.reported', '2025-03-11T08:00:00Z', {
    breachId: 'brc-pr-acme',
    vendorId: 'vnd-pr-acme',
    discoveredAt: '2025-03-10',
    exposureFrom: '2025-02-01',
  }),
  event('org.scantrail.breach.reported', '2025-03-11T08:00:00Z', {
    breachId: 'brc-pr-beta',
    vendorId: 'vnd-pr-beta',
    discoveredAt: '2025-03-10',
  }),
  event('org.scantrail.breach.reported', '2025-03-11T08:00:00Z', {
    breachId: 'brc-pr-ghost',
    vendorId: 'vnd-pr-never-seen',
    discoveredAt: '2025-06-10T15:30:00Z',
  }),
];

// Published after phase 1 has been answered: both happened "in time".
const PHASE_2 = [
  event('org.scantrail.deletion.attested', '2025-04-01T09:00:00Z', {
    vendorId: 'vnd-pr-acme',
    target: { studyInstanceUid: '2.25.901' },
  }),
  event('org.scantrail.transfer.onward', '2025-02-15T09:00:00Z', {
    transferId: 'trf-pr-1',
    fromVendorId: 'vnd-pr-acme',
    toVendorId: 'vnd-pr-beta',
    target: { studyInstanceUid: '2.25.902' },
    purpose: 'RESEARCH',
  }),
];

// Published last: the same study attested a second time, and a second request of the same
// patient whose dueBy is before the request itself.
const PHASE_3 = [
  event('org.scantrail.deletion.attested', '2025-04-05T09:00:00Z', {
    vendorId: 'vnd-pr-acme',
    target: { studyInstanceUid: '2.25.901' },
    certificateRef: 'second-certificate',
  }),
  event('org.scantrail.deletion.requested', '2025-04-10T10:00:00Z', {
    requestId: 'del-pr-2',
    patient: PATIENT,
    dueBy: '2025-04-01',
  }),
];

const BAD_BREACH = event('org.scantrail.breach.reported', '2025-03-11T08:00:00Z', {
  breachId: 'brc-pr-bad',
  vendorId: 'vnd-pr-acme',
  discoveredAt: '2025-03-10',
  exposureFrom: '2025-03-05',
  exposureTo: '2025-03-01',
});

const REQUEST_FIELDS = `requestId requestedAt dueBy patientPseudonym legalGround status ledgerSequence
  obligations { vendor { vendorId name role } studyInstanceUid receivedAt status attestedAt attestationEventId }`;
const BREACH_FIELDS = `breachId vendor { vendorId name address role } discoveredAt exposureFrom exposureTo
  studiesAffected patientsAffected patientsToNotify individualNoticeDeadline hhsNoticeDeadline
  mediaNoticeMayBeRequired ledgerSequence
  affected(first: 50) { totalCount edges { node { studyInstanceUid patientPseudonym receivedAt deidentified notificationRequired } } }`;

interface Obligation {
  vendor: { vendorId: string; name: string; role: string };
  studyInstanceUid: string;
  receivedAt: string;
  status: string;
  attestedAt: string | null;
  attestationEventId: string | null;
}
interface Request {
  requestId: string;
  patientPseudonym: string | null;
  status: string;
  dueBy: string;
  obligations: Obligation[];
}
interface Affected {
  studyInstanceUid: string;
  patientPseudonym: string | null;
  deidentified: boolean;
  notificationRequired: boolean;
  receivedAt: string;
}
interface Breach {
  breachId: string;
  vendor: { vendorId: string; name: string; address: string | null; role: string };
  exposureFrom: string | null;
  exposureTo: string;
  studiesAffected: number;
  patientsAffected: number;
  patientsToNotify: number;
  individualNoticeDeadline: string;
  hhsNoticeDeadline: string;
  mediaNoticeMayBeRequired: boolean;
  affected: Connection<Affected>;
}

/** Keeps a rendered document for a person to look at (E2E_ARTIFACTS, if set). */
async function saveArtifact(name: string, body: Buffer): Promise<void> {
  const dir = process.env.E2E_ARTIFACTS;
  if (dir === undefined) return;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), body);
}

const obligationsOf = (r: Request | null): string[] =>
  (r?.obligations ?? []).map((o) => `${o.vendor.vendorId} ${o.studyInstanceUid} ${o.status}`);

describe('deletion requests and breach reports through Kafka and GraphQL', () => {
  let stack: E2eStack;
  let db: TestDatabase;
  let settings: Settings;
  let ingest: RunningIngest;
  let api: RunningApi;
  let client: GraphqlClient;
  let published = 0;

  const token = (roles: Role[], vendorId?: string, sub = `rights-${roles.join('-')}`): string =>
    mintToken({ secret: settings.authJwtSecret, sub, roles, vendorId, ttlSeconds: 900 });
  const officer = (): string => token(['privacy_officer'], undefined, 'officer-jane');

  async function publish(events: readonly object[]): Promise<void> {
    const producer = await stack.kafka.producer();
    try {
      await producer.send(
        stack.topic,
        events.map((e) => ({ key: subjectOf(e as LineageEvent), value: encodeEvent(e) })),
      );
    } finally {
      await producer.disconnect();
    }
    published += events.length;
    await eventually(
      () => {
        const c = ingest.counters;
        return Promise.resolve(c.recorded + c.duplicates + c.quarantined >= published || undefined);
      },
      120_000,
      `ingest to handle ${published} messages`,
    );
    await findingsSettled(db.dataSource);
  }

  const request = async (bearer: string, asOf: string, id = 'del-pr-1'): Promise<Request | null> =>
    (
      await client.data<{ deletionRequest: Request | null }>(
        bearer,
        `query($id: String!, $asOf: DateTime) { deletionRequest(requestId: $id, asOf: $asOf) { ${REQUEST_FIELDS} } }`,
        { id, asOf },
      )
    ).deletionRequest;

  const breach = async (bearer: string, id: string): Promise<Breach | null> =>
    (
      await client.data<{ breachImpact: Breach | null }>(
        bearer,
        `query($id: String!) { breachImpact(breachId: $id) { ${BREACH_FIELDS} } }`,
        { id },
      )
    ).breachImpact;

  beforeAll(async () => {
    stack = await E2eStack.open(3);
    ({ db } = stack);
    settings = testSettings({ kafkaTopic: stack.topic });
    ingest = await stack.startIngest(settings);
    api = await stack.startApi(settings);
    client = new GraphqlClient(api.url);
    await publish([...PHASE_1, BAD_BREACH]);
  }, 240_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('should give the obligations of each holder when asked as of a time', async () => {
    expect(await request(officer(), '2025-02-28T00:00:00Z')).toBeNull();
    const open = await request(officer(), '2025-03-20T00:00:00Z');
    expect(open?.status).toBe('OPEN');
    expect(obligationsOf(open)).toEqual([
      'vnd-pr-acme 2.25.901 OPEN',
      'vnd-pr-acme 2.25.901.1 EXEMPT',
      'vnd-pr-acme 2.25.902 OPEN',
    ]);
    expect(open?.dueBy).toBe('2025-03-31T23:59:59.999Z');
    expect(open?.patientPseudonym).toMatch(/^pp_/);
    expect(open?.obligations[0].vendor.name).toBe('Acme Imaging AI');
    expect(open?.obligations[0].receivedAt).toBe('2025-01-10T12:00:00.000Z');
    const overdue = await request(officer(), '2025-04-15T00:00:00Z');
    expect(overdue?.status).toBe('OVERDUE');
    expect(obligationsOf(overdue)).toEqual([
      'vnd-pr-acme 2.25.901 OVERDUE',
      'vnd-pr-acme 2.25.901.1 EXEMPT',
      'vnd-pr-acme 2.25.902 OVERDUE',
    ]);
  });

  it('should answer a request for a patient with no studies as fulfilled with no obligations', async () => {
    const lonely = await request(officer(), '2025-04-15T00:00:00Z', 'del-pr-lonely');
    expect(lonely).toMatchObject({ status: 'FULFILLED', obligations: [] });
  });

  it('should give the impact and deadlines of a breach when the vendor held studies in the window', async () => {
    const acme = await breach(officer(), 'brc-pr-acme');
    expect(acme?.exposureFrom).toBe('2025-02-01T00:00:00.000Z');
    expect(acme?.exposureTo).toBe('2025-03-10T00:00:00.000Z');
    expect(acme?.affected.edges.map((e) => e.node.studyInstanceUid)).toEqual([
      '2.25.901',
      '2.25.901.1',
      '2.25.902',
      '2.25.909',
    ]);
    const copy = acme?.affected.edges.find((e) => e.node.studyInstanceUid === '2.25.901.1')?.node;
    expect(copy).toMatchObject({ deidentified: true, notificationRequired: false });
    expect([acme?.studiesAffected, acme?.patientsAffected, acme?.patientsToNotify]).toEqual([
      4, 2, 2,
    ]);
    expect(acme?.individualNoticeDeadline).toBe('2025-05-09T00:00:00.000Z');
    expect(acme?.hhsNoticeDeadline).toBe('2026-03-01T23:59:59.999Z');
    expect(acme?.mediaNoticeMayBeRequired).toBe(false);
  });

  it('should answer a breach of a vendor never registered with nothing affected', async () => {
    const ghost = await breach(officer(), 'brc-pr-ghost');
    expect(ghost?.vendor).toEqual({
      vendorId: 'vnd-pr-never-seen',
      name: 'vnd-pr-never-seen',
      address: null,
      role: 'OTHER',
    });
    expect([ghost?.studiesAffected, ghost?.patientsToNotify]).toEqual([0, 0]);
    expect(ghost?.hhsNoticeDeadline).toBe('2026-03-01T23:59:59.999Z');
  });

  it('should quarantine a breach whose exposure window closes before it opens', async () => {
    const { quarantine } = await client.data<{ quarantine: Connection<{ reason: string }> }>(
      officer(),
      '{ quarantine(first: 50) { edges { node { reason } } } }',
    );
    expect(quarantine.edges.map((e) => e.node.reason)).toContainEqual(
      expect.stringContaining('exposureFrom'),
    );
  });

  it('should change the answers when a late attestation and a late onward transfer arrive', async () => {
    expect((await breach(officer(), 'brc-pr-beta'))?.studiesAffected).toBe(0);
    await publish(PHASE_2);
    const late = await request(officer(), '2025-04-15T00:00:00Z');
    expect(obligationsOf(late)).toEqual([
      'vnd-pr-acme 2.25.901 FULFILLED',
      'vnd-pr-acme 2.25.901.1 EXEMPT',
      'vnd-pr-acme 2.25.902 OVERDUE',
      'vnd-pr-beta 2.25.902 OVERDUE',
    ]);
    expect(late?.obligations[0]).toMatchObject({
      attestedAt: '2025-04-01T09:00:00.000Z',
      attestationEventId: PHASE_2[0].id,
    });
    expect(late?.obligations[3].vendor).toMatchObject({ name: 'vnd-pr-beta', role: 'OTHER' });
    // Before the attestation happened, the same request was still open for it.
    expect(obligationsOf(await request(officer(), '2025-03-20T00:00:00Z'))).toContain(
      'vnd-pr-acme 2.25.901 OPEN',
    );
    const beta = await breach(officer(), 'brc-pr-beta');
    expect(beta?.affected.edges.map((e) => e.node.studyInstanceUid)).toEqual(['2.25.902']);
    expect(beta?.affected.edges[0].node.receivedAt).toBe('2025-02-15T09:00:00.000Z');
  });

  it('should filter the list by status as of a time', async () => {
    const list = async (status: string, asOf: string): Promise<string[]> =>
      (
        await client.data<{ deletionRequests: Connection<{ requestId: string }> }>(
          officer(),
          'query($s: DeletionStatus, $a: DateTime) { deletionRequests(status: $s, asOf: $a, first: 10) { totalCount edges { node { requestId } } } }',
          { s: status, a: asOf },
        )
      ).deletionRequests.edges.map((e) => e.node.requestId);
    expect(await list('OVERDUE', '2025-04-15T00:00:00Z')).toEqual(['del-pr-1']);
    expect(await list('FULFILLED', '2025-04-15T00:00:00Z')).toEqual(['del-pr-lonely']);
    expect(await list('OPEN', '2025-03-20T00:00:00Z')).toEqual(['del-pr-1']);
    expect(await list('OPEN', '2025-02-20T00:00:00Z')).toEqual([]);
  });

  it('should show a vendor only its own obligations, without the pseudonym', async () => {
    const beta = token(['vendor'], 'vnd-pr-beta');
    const { deletionRequests } = await client.data<{ deletionRequests: Connection<Request> }>(
      beta,
      `query { deletionRequests(asOf: "2025-04-15T00:00:00Z") { totalCount edges { node { ${REQUEST_FIELDS} } } } }`,
    );
    expect(deletionRequests.totalCount).toBe(1);
    const [only] = deletionRequests.edges.map((e) => e.node);
    expect(obligationsOf(only)).toEqual(['vnd-pr-beta 2.25.902 OVERDUE']);
    expect(only.patientPseudonym).toBeNull();
    const acme = await request(token(['vendor'], 'vnd-pr-acme'), '2025-04-15T00:00:00Z');
    expect(acme?.status).toBe('OVERDUE');
    expect(acme?.patientPseudonym).toBeNull();
  });

  it('should refuse with FORBIDDEN a vendor naming a request or a breach it may not read', async () => {
    const stranger = token(['vendor'], 'vnd-pr-stranger');
    for (const [query, variables] of [
      ['query($id: String!) { deletionRequest(requestId: $id) { requestId } }', { id: 'del-pr-1' }],
      ['query($id: String!) { deletionRequest(requestId: $id) { requestId } }', { id: 'no-such' }],
      ['query($id: String!) { breachImpact(breachId: $id) { breachId } }', { id: 'brc-pr-acme' }],
    ] as const) {
      const result = await client.send(stranger, query, variables);
      expect(GraphqlClient.codeOf(result)).toBe('FORBIDDEN');
      expect(result.text).not.toContain('pp_');
    }
    const { breaches } = await client.data<{ breaches: Connection<{ breachId: string }> }>(
      token(['vendor'], 'vnd-pr-acme'),
      '{ breaches { totalCount edges { node { breachId affected { edges { node { patientPseudonym } } } } } } }',
    );
    expect(breaches.edges.map((e) => e.node.breachId)).toEqual(['brc-pr-acme']);
    expect(JSON.stringify(breaches)).not.toContain('pp_');
  });

  it('should record who read a deletion request in the access log', async () => {
    const seen = await request(
      token(['auditor'], undefined, 'auditor-ann'),
      '2025-04-15T00:00:00Z',
    );
    const { accessLog } = await client.data<{
      accessLog: Connection<{ actor: string; operation: string; patientPseudonym: string }>;
    }>(
      officer(),
      '{ accessLog(first: 500) { edges { node { actor operation patientPseudonym } } } }',
    );
    expect(accessLog.edges.map((e) => e.node)).toContainEqual({
      actor: 'auditor-ann',
      operation: 'deletionRequest',
      patientPseudonym: seen?.patientPseudonym,
    });
  });

  it('should refuse a page size beyond the cap with BAD_USER_INPUT', async () => {
    const result = await client.send(officer(), '{ deletionRequests(first: 501) { totalCount } }');
    expect(GraphqlClient.codeOf(result)).toBe('BAD_USER_INPUT');
  });

  async function download(bearer: string, path: string, body: object): Promise<Response> {
    return fetch(new URL(path, api.url).toString(), {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('should hand a privacy officer the status letter as CSV and PDF, access-logged', async () => {
    const csv = await download(officer(), '/reports/deletion-request', {
      requestId: 'del-pr-1',
      asOf: '2025-04-15T00:00:00Z',
      format: 'csv',
    });
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toMatch(
      /^request_id,requested_at,due_by,as_of,request_status,holder_id,holder_name,/,
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(5, 10).join(' '))).toEqual([
      'vnd-pr-acme Acme Imaging AI 2.25.901 2025-01-10T12:00:00.000Z FULFILLED',
      'vnd-pr-acme Acme Imaging AI 2.25.901.1 2025-01-10T12:00:00.000Z EXEMPT',
      'vnd-pr-acme Acme Imaging AI 2.25.902 2025-01-12T12:00:00.000Z OVERDUE',
      'vnd-pr-beta vnd-pr-beta 2.25.902 2025-02-15T09:00:00.000Z OVERDUE',
    ]);
    const pdf = await download(officer(), '/reports/deletion-request', {
      requestId: 'del-pr-1',
      asOf: '2025-04-15',
    });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const letter = Buffer.from(await pdf.arrayBuffer());
    expect(letter.subarray(0, 5).toString()).toBe('%PDF-');
    await saveArtifact('deletion-request-letter.pdf', letter);
    const { accessLog } = await client.data<{ accessLog: Connection<{ operation: string }> }>(
      officer(),
      '{ accessLog(first: 500) { edges { node { operation } } } }',
    );
    expect(accessLog.edges.map((e) => e.node.operation)).toContain('deletionRequestReport');
  });

  it('should hand over open obligations per vendor and the breach worklist and summary', async () => {
    const open = await download(officer(), '/reports/open-obligations', { asOf: '2025-04-15' });
    expect((await open.text()).trim().split('\r\n').slice(1)).toEqual([
      expect.stringMatching(/^vnd-pr-acme,del-pr-1,2\.25\.902,.*,OVERDUE$/),
      expect.stringMatching(/^vnd-pr-beta,del-pr-1,2\.25\.902,.*,OVERDUE$/),
    ]);
    const worklist = await download(officer(), '/reports/breach', {
      breachId: 'brc-pr-acme',
      format: 'csv',
    });
    const rows = (await worklist.text()).trim().split('\r\n');
    expect(rows[0]).toMatch(
      /^study_instance_uid,accession_number,patient_pseudonym,received_at,deidentified,notification_required,/,
    );
    expect(
      rows.slice(1).map((r) =>
        r
          .split(',')
          .filter((_, i) => i !== 2 && i !== 3)
          .slice(0, 4)
          .join(' '),
      ),
    ).toEqual([
      '2.25.901 ACC-2.25.901 false true',
      '2.25.901.1 ACC-2.25.901 true false',
      '2.25.902 ACC-2.25.902 false true',
      '2.25.909 ACC-2.25.909 false true',
    ]);
    const summary = await download(officer(), '/reports/breach', { breachId: 'brc-pr-acme' });
    const page = Buffer.from(await summary.arrayBuffer());
    expect(page.subarray(0, 5).toString()).toBe('%PDF-');
    await saveArtifact('breach-summary.pdf', page);
  });

  it('should refuse the take-home files to roles other than privacy officer', async () => {
    const asks: [string, object][] = [
      ['/reports/deletion-request', { requestId: 'del-pr-1', format: 'csv' }],
      ['/reports/open-obligations', {}],
      ['/reports/breach', { breachId: 'brc-pr-acme', format: 'csv' }],
    ];
    for (const [path, body] of asks) {
      for (const bearer of [token(['auditor']), token(['vendor'], 'vnd-pr-acme')]) {
        const refused = await download(bearer, path, body);
        expect(refused.status).toBe(403);
        expect(await refused.text()).not.toContain('pp_');
      }
      const anonymous = await fetch(new URL(path, api.url).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(anonymous.status).toBe(401);
    }
    const missing = await download(officer(), '/reports/breach', { breachId: 'no-such' });
    expect(missing.status).toBe(404);
    const badFormat = await download(officer(), '/reports/breach', {
      breachId: 'brc-pr-acme',
      format: 'docx',
    });
    expect(badFormat.status).toBe(400);
    const noId = await download(officer(), '/reports/deletion-request', { format: 'csv' });
    expect(noId.status).toBe(400);
  });

  it('should write the same files from the CLI, the letter access-logged as the operator', async () => {
    const dir = scratchDir('scantrail-rights-');
    const letter = join(dir, 'letter.csv');
    await writePatientRightsFile(
      settings,
      db.database,
      { kind: 'deletion-letter', requestId: 'del-pr-1', asOf: '2025-04-15', format: 'csv' },
      letter,
    );
    expect((await stat(letter)).mode & 0o777).toBe(0o600);
    const rows = (await readFile(letter, 'utf8')).trim().split('\r\n');
    expect(rows.slice(1).map((l) => l.split(',').slice(5, 10).join(' '))).toEqual([
      'vnd-pr-acme Acme Imaging AI 2.25.901 2025-01-10T12:00:00.000Z FULFILLED',
      'vnd-pr-acme Acme Imaging AI 2.25.901.1 2025-01-10T12:00:00.000Z EXEMPT',
      'vnd-pr-acme Acme Imaging AI 2.25.902 2025-01-12T12:00:00.000Z OVERDUE',
      'vnd-pr-beta vnd-pr-beta 2.25.902 2025-02-15T09:00:00.000Z OVERDUE',
    ]);
    const { accessLog } = await client.data<{
      accessLog: Connection<{ actor: string; operation: string; roles: string[] }>;
    }>(officer(), '{ accessLog(first: 500) { edges { node { actor operation roles } } } }');
    const byCli = accessLog.edges
      .map((e) => e.node)
      .filter((n) => n.actor.startsWith('cli:') && n.operation === 'deletionRequestReport');
    expect(byCli).toHaveLength(1);
    expect(byCli[0].roles).toEqual(['privacy_officer']);

    const worklist = join(dir, 'worklist.csv');
    await writePatientRightsFile(
      settings,
      db.database,
      { kind: 'breach-worklist', breachId: 'brc-pr-beta' },
      worklist,
    );
    const lines = (await readFile(worklist, 'utf8')).trim().split('\r\n');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(' '))).toEqual([
      '2.25.902 ACC-2.25.902',
    ]);
    const summary = join(dir, 'summary.pdf');
    await writePatientRightsFile(
      settings,
      db.database,
      { kind: 'breach-summary', breachId: 'brc-pr-beta' },
      summary,
    );
    expect((await readFile(summary)).subarray(0, 5).toString()).toBe('%PDF-');
    const open = join(dir, 'open.csv');
    await writePatientRightsFile(
      settings,
      db.database,
      { kind: 'open-obligations', asOf: '2025-04-15' },
      open,
    );
    expect((await readFile(open, 'utf8')).trim().split('\r\n')).toHaveLength(3);
  });

  it('should refuse from the CLI an unknown id or a bad date, logging nothing for a bad date', async () => {
    const out = join(tmpdir(), 'scantrail-rights-never-written.csv');
    await expect(
      writePatientRightsFile(
        settings,
        db.database,
        { kind: 'breach-worklist', breachId: 'no-such' },
        out,
      ),
    ).rejects.toThrow('no breach report no-such');
    const logged = async (): Promise<number> =>
      (
        await client.data<{ accessLog: Connection<{ operation: string }> }>(
          officer(),
          '{ accessLog(first: 500) { totalCount edges { node { operation } } } }',
        )
      ).accessLog.totalCount;
    const before = await logged();
    await expect(
      writePatientRightsFile(
        settings,
        db.database,
        { kind: 'deletion-letter', requestId: 'del-pr-1', asOf: 'last tuesday' },
        out,
      ),
    ).rejects.toThrow('asOf must be');
    expect(await logged()).toBe(before);
  });

  it('should answer a second attestation and an overlapping request whose dueBy is before it by the rules', async () => {
    await publish(PHASE_3);
    // Attested twice: the earliest attestation at or after the request stays the answer.
    const first = await request(officer(), '2025-04-15T00:00:00Z');
    expect(first?.obligations[0]).toMatchObject({
      studyInstanceUid: '2.25.901',
      status: 'FULFILLED',
      attestedAt: '2025-04-01T09:00:00.000Z',
      attestationEventId: PHASE_2[0].id,
    });
    // The second request of the same patient: only what is held at its own time, overdue
    // from the moment it exists since its dueBy has already passed.
    expect(await request(officer(), '2025-04-10T09:59:59Z', 'del-pr-2')).toBeNull();
    const second = await request(officer(), '2025-04-10T10:00:00Z', 'del-pr-2');
    expect(second?.status).toBe('OVERDUE');
    expect(second?.patientPseudonym).toBe(first?.patientPseudonym);
    expect(obligationsOf(second)).toEqual([
      'vnd-pr-acme 2.25.901.1 EXEMPT',
      'vnd-pr-acme 2.25.902 OVERDUE',
      'vnd-pr-beta 2.25.902 OVERDUE',
    ]);
    // The first request is untouched by the second.
    expect(obligationsOf(await request(officer(), '2025-04-15T00:00:00Z'))).toEqual(
      obligationsOf(first),
    );
  });

  it('should answer the same after `cli rebuild` rebuilt the read models from the ledger', async () => {
    // Fresh services on each side: the API keeps evaluations per ledger size, which a rebuild
    // does not change, so only a new reader shows what the rebuilt tables hold.
    const viewer = new Viewer('rebuild-check', ['privacy_officer']);
    const answers = async (): Promise<string> => {
      const rights = new PatientRightsReadService(db.dataSource, new AccessLogService());
      const asOfs = ['2025-03-01T00:00:00Z', '2025-04-15T00:00:00Z', '2026-01-01T00:00:00Z'];
      const lists = [];
      for (const asOf of asOfs) {
        const page = await rights.deletionRequests(viewer, { asOf: new Date(asOf), first: 500 });
        lists.push(
          page.edges.map((e) => e.node),
          await rights.obligationsByVendor(viewer, new Date(asOf)),
        );
      }
      const breaches = await rights.breaches(viewer, { first: 500 });
      return JSON.stringify([lists, breaches.edges.map((e) => e.node)]);
    };
    const before = await answers();
    expect(before).toContain('del-pr-2');
    expect(before).toContain('"studiesAffected":');
    await rebuildReadModels(db.database, new LedgerLog(settings.ledgerOrigin));
    expect(await answers()).toBe(before);
  });

  it('should never send a clear patient identifier', () => {
    for (const body of client.transcripts) expect(body).not.toContain('MRN-PR-');
  });
});
