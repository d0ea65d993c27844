import { mintToken, type Role } from '@scantrail/access';
import { patientPseudonym } from '@scantrail/contract';
import {
  leafHash,
  merkleTreeHash,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
} from '@scantrail/ledger';
import { Client } from 'pg';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import { startTestApi } from '../support/e2e-stack';
import {
  createTestDatabase,
  DirectRecorder,
  signCheckpoint,
  testLogger,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import {
  ACME,
  CLOUD,
  D1,
  D2,
  DATASET,
  GHOST,
  PATIENT_P,
  PATIENT_Q,
  RESEARCH,
  S1,
  S2,
  S3,
  scenarioEvents,
} from './api-scenario';

interface GqlError {
  message: string;
  extensions?: { code?: string };
}
interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: GqlError[];
  text: string;
}

const settings = testSettings();
const events = scenarioEvents();
const size = Object.keys(events).length;
// Refused (no modality), so kept in quarantine with the identifier in clear.
const badStudy = {
  specversion: '1.0',
  id: 'bad-study-1',
  source: 'urn:test',
  type: 'org.scantrail.study.registered',
  time: '2024-05-01T00:00:00Z',
  data: {
    studyInstanceUid: '1.2.3.4',
    patient: PATIENT_P,
    bodyPart: 'HEAD',
    studyDate: '2024-05-01',
    facility: 'F',
  },
};
let db: TestDatabase;
let api: RunningApi;

function token(
  roles: Role[],
  extra: { sub?: string; vendorId?: string; ttlSeconds?: number } = {},
): string {
  return mintToken({
    secret: settings.authJwtSecret,
    sub: extra.sub ?? `${roles.join('+')}-user`,
    roles,
    vendorId: extra.vendorId,
    ttlSeconds: extra.ttlSeconds ?? 300,
  });
}

const OFFICER = token(['privacy_officer'], { sub: 'officer-1' });
const AUDITOR = token(['auditor'], { sub: 'auditor-1' });
const ACME_TOKEN = token(['vendor'], { sub: 'acme-user', vendorId: ACME });
const RESEARCH_TOKEN = token(['vendor'], { sub: 'research-user', vendorId: RESEARCH });

async function post(headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function gql<T = Record<string, unknown>>(
  bearer: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlResponse<T>> {
  const response = await post({ authorization: `Bearer ${bearer}` }, { query, variables });
  const text = await response.text();
  const parsed = JSON.parse(text) as { data?: T; errors?: GqlError[] };
  return { status: response.status, data: parsed.data, errors: parsed.errors, text };
}

/** The data of a query that must succeed. */
async function data<T = Record<string, unknown>>(
  bearer: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const result = await gql<T>(bearer, query, variables);
  if (result.errors) throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

const codeOf = (r: GqlResponse): string | undefined => r.errors?.[0]?.extensions?.code;

beforeAll(async () => {
  db = await createTestDatabase();
  const recorder = new DirectRecorder(db.dataSource, settings);
  const all = Object.values(events);
  await recorder.record(all.slice(0, 10));
  await recorder.record([
    ...all.slice(10),
    Buffer.from('not json at all'),
    Buffer.from(JSON.stringify(badStudy)),
  ]);
  await signCheckpoint(db.dataSource, settings);
  // As in production: the API holds no signing key (only the ingest signs).
  api = await startTestApi({ ...settings, ledgerSigner: undefined }, db.dataSource);
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('authentication', () => {
  const expired = mintToken({
    secret: settings.authJwtSecret,
    sub: 'x',
    roles: ['auditor'],
    ttlSeconds: 1,
    now: Date.now() - 60_000,
  });
  const forged = mintToken({
    secret: Buffer.alloc(32, 9),
    sub: 'x',
    roles: ['privacy_officer'],
    ttlSeconds: 300,
  });
  const cases: [string, Record<string, string>][] = [
    ['no token', {}],
    ['a bad signature', { authorization: `Bearer ${forged}` }],
    ['an expired token', { authorization: `Bearer ${expired}` }],
    ['a malformed token', { authorization: 'Bearer not.a.jwt' }],
    ['no known role', { authorization: `Bearer ${token(['admin' as Role])}` }],
    ['a vendor role without vendorId', { authorization: `Bearer ${token(['vendor'])}` }],
    ['another scheme', { authorization: `Basic ${OFFICER}` }],
  ];
  it.each(cases)('should answer HTTP 401 when the request has %s', async (_name, headers) => {
    const response = await post(headers, { query: '{ verifierKey }' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await response.json()) as { errors: GqlError[] };
    expect(body.errors[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each(['/graphql/', '/graphql/extra', '/GRAPHQL', '/graphql?x=1'])(
    'should answer 401 or 404, never data, when %s is asked without a token',
    async (path) => {
      const response = await fetch(api.url.replace(/\/graphql$/, path), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ verifierKey }' }),
      });
      expect([401, 404]).toContain(response.status);
      expect(await response.text()).not.toContain(settings.ledgerVerifierKey);
    },
  );

  it('should serve no page and no query without a token when a browser asks', async () => {
    const page = await fetch(api.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(await page.text()).not.toMatch(/GraphiQL|<script/);
  });

  it('should answer when the token is valid', async () => {
    expect(await data(AUDITOR, '{ verifierKey }')).toEqual({
      verifierKey: settings.ledgerVerifierKey,
    });
  });
});

describe('roles', () => {
  const patient = { system: PATIENT_P.system, value: PATIENT_P.value };
  const queries: Record<string, [string, Record<string, unknown>]> = {
    accounting: [
      'query($p: PatientIdentifierInput!) { accountingOfDisclosures(patient: $p) { from } }',
      { p: patient },
    ],
    quarantine: ['{ quarantine { totalCount } }', {}],
    accessLog: ['{ accessLog { totalCount } }', {}],
    otherVendor: [`{ vendor(vendorId: "${CLOUD}") { name } }`, {}],
    otherVendorFindings: [`{ findings(vendorId: "${CLOUD}") { totalCount } }`, {}],
    ownVendor: [`{ vendor(vendorId: "${ACME}") { name } }`, {}],
    ledger: ['{ ledger { treeSize } verifierKey inclusionProof(sequence: 0, treeSize: 1) }', {}],
    findings: ['{ findings { totalCount } }', {}],
  };
  type Outcome = 'ok' | 'FORBIDDEN';
  // query, then the outcome for privacy_officer, auditor, vendor (acme)
  const matrix: [string, Outcome, Outcome, Outcome][] = [
    ['accounting', 'ok', 'ok', 'FORBIDDEN'],
    ['quarantine', 'ok', 'ok', 'FORBIDDEN'],
    ['accessLog', 'ok', 'FORBIDDEN', 'FORBIDDEN'],
    ['otherVendor', 'ok', 'ok', 'FORBIDDEN'],
    ['otherVendorFindings', 'ok', 'ok', 'FORBIDDEN'],
    ['ownVendor', 'ok', 'ok', 'ok'],
    ['ledger', 'ok', 'ok', 'ok'],
    ['findings', 'ok', 'ok', 'ok'],
  ];
  const bearers = { privacy_officer: OFFICER, auditor: AUDITOR, vendor: ACME_TOKEN };

  it.each(matrix)(
    'should give %s the expected outcome for every role',
    async (name, officer, auditor, vendor) => {
      const [query, variables] = queries[name];
      for (const [role, expected] of [
        ['privacy_officer', officer],
        ['auditor', auditor],
        ['vendor', vendor],
      ] as const) {
        const result = await gql(bearers[role], query, variables);
        expect([role, result.status, expected === 'ok' ? result.errors : codeOf(result)]).toEqual([
          role,
          200,
          expected === 'ok' ? undefined : 'FORBIDDEN',
        ]);
        if (expected === 'FORBIDDEN') {
          // A nullable field errs alone: its value is null, nothing else is answered.
          expect(Object.values(result.data ?? {}).filter((v) => v !== null)).toEqual([]);
          expect(result.text).not.toMatch(/Cloud Host|MRN-|pp_/);
        }
      }
    },
  );

  it('should never show a vendor what concerns only other vendors', async () => {
    const leaks = [RESEARCH, 'Research Partner', GHOST, S1, S3, 'MRN-', 'pp_'];
    const probes = [
      '{ vendors { totalCount edges { node { vendorId name studiesReceived patientsAffected } } } }',
      '{ findings(first: 500) { totalCount edges { node { code vendorId studyInstanceUid detail } } } }',
      `{ vendor(vendorId: "${ACME}") { findings { totalCount edges { node { vendorId detail } } } } }`,
      `{ study(studyInstanceUid: "${S1}") { studyInstanceUid } }`,
      `{ study(studyInstanceUid: "${S3}") { studyInstanceUid } }`,
      `{ study(studyInstanceUid: "${D1}") { derivedFrom { studyInstanceUid } disclosures { disclosureId recipient { name } findings { vendorId } } findings { vendorId } derivatives { studyInstanceUid } } }`,
      `{ study(studyInstanceUid: "${S2}") { disclosures { disclosureId recipient { vendorId } } findings { vendorId } } }`,
      `{ trace(studyInstanceUid: "${S2}") { nodes { id label } edges { from to } } }`,
      `{ trace(studyInstanceUid: "${S3}") { nodes { id } edges { from to } } }`,
    ];
    for (const probe of probes) {
      const result = await gql(ACME_TOKEN, probe);
      expect(result.errors).toBeUndefined();
      for (const leak of leaks) expect([probe, result.text.includes(leak)]).toEqual([probe, false]);
    }
  });

  it('should scope lists and counts to the vendor when the token is a vendor token', async () => {
    const own = await data<{
      vendors: { totalCount: number; edges: { node: { vendorId: string } }[] };
    }>(ACME_TOKEN, '{ vendors { totalCount edges { node { vendorId } } } }');
    expect(own.vendors).toEqual({ totalCount: 1, edges: [{ node: { vendorId: ACME } }] });
    const findings = await data<{
      findings: { totalCount: number; edges: { node: { vendorId: string } }[] };
    }>(ACME_TOKEN, '{ findings(first: 500) { totalCount edges { node { vendorId } } } }');
    expect(findings.findings.totalCount).toBe(findings.findings.edges.length);
    expect(new Set(findings.findings.edges.map((e) => e.node.vendorId))).toEqual(new Set([ACME]));
    const trace = await data<{
      trace: { nodes: { id: string }[]; edges: { kind: string; from: string; to: string }[] };
    }>(
      RESEARCH_TOKEN,
      `{ trace(studyInstanceUid: "${S1}") { nodes { id } edges { kind from to } } }`,
    );
    expect(trace.trace.edges.map((e) => `${e.kind} ${e.from}->${e.to}`).sort()).toEqual([
      `DISCLOSED ${S1}->${RESEARCH}`,
      `DISCLOSED ${S1}->${RESEARCH}`,
    ]);
  });
});

interface Edge {
  from: string;
  to: string;
  kind: string;
  occurredAt: string;
  eventId: string;
  ledgerSequence: number;
}
interface Lineage {
  nodes: { id: string; kind: string; label: string }[];
  edges: Edge[];
}
const TRACE = `query($uid: String!, $asOf: DateTime) { trace(studyInstanceUid: $uid, asOf: $asOf) {
  nodes { id kind label } edges { from to kind occurredAt eventId ledgerSequence } } }`;

describe('trace', () => {
  it('should follow the study, its derivatives, the dataset, vendors and the model when asked by an auditor', async () => {
    const { trace } = await data<{ trace: Lineage }>(AUDITOR, TRACE, { uid: S1 });
    const edges = trace.edges.map((e) => `${e.kind} ${e.from}->${e.to} ${e.eventId}`);
    expect(edges).toEqual([
      `DISCLOSED ${S1}->${RESEARCH} ${events.dscOld.id}`,
      `DERIVED ${S1}->${D1} ${events.d1.id}`,
      `DERIVED ${D1}->${D2} ${events.d2.id}`,
      `MEMBER_OF ${D1}->${DATASET} ${events.dataset.id}`,
      `DISCLOSED ${DATASET}->${ACME} ${events.dsc1.id}`,
      `ONWARD_TRANSFER ${ACME}->${CLOUD} ${events.trf1.id}`,
      `TRAINED ${DATASET}->mdl-ich ${events.model.id}`,
      `DISCLOSED ${S1}->${RESEARCH} ${events.dsc2.id}`,
      `DISCLOSED ${D2}->${ACME} ${events.dsc6.id}`,
      `DELETED ${DATASET}->${ACME} ${events.deletion.id}`,
    ]);
    expect(trace.edges[0].occurredAt).toBe('2018-01-10T00:00:00.000Z');
    expect(trace.nodes).toEqual(
      expect.arrayContaining([
        { id: S1, kind: 'STUDY', label: 'CT HEAD 2024-04-30' },
        { id: D2, kind: 'STUDY', label: 'CT HEAD 2024-04-30 (de-identified)' },
        { id: DATASET, kind: 'DATASET', label: 'Head CT 2024' },
        { id: ACME, kind: 'VENDOR', label: 'Acme Imaging AI' },
        { id: 'mdl-ich', kind: 'MODEL', label: 'mdl-ich v1.0.0' },
      ]),
    );
    expect(trace.nodes[0].id).toBe(S1);
    expect(trace.nodes.map((n) => n.id)).not.toContain(S3);
    const sequences = await db.dataSource.query<{ event_id: string; sequence: string }[]>(
      'SELECT event_id, sequence::text AS sequence FROM ledger_entries',
    );
    const bySequence = new Map(sequences.map((r) => [r.event_id, Number(r.sequence)]));
    for (const e of trace.edges) expect(e.ledgerSequence).toBe(bySequence.get(e.eventId));
  });

  it('should show the lineage as it stood when asOf is given', async () => {
    const { trace } = await data<{ trace: Lineage }>(AUDITOR, TRACE, {
      uid: S1,
      asOf: '2024-06-02T00:00:00+00:00',
    });
    expect(trace.edges.map((e) => e.kind)).toEqual([
      'DISCLOSED',
      'DERIVED',
      'DERIVED',
      'MEMBER_OF',
      'DISCLOSED',
    ]);
    expect(trace.nodes.map((n) => n.id)).not.toContain(CLOUD);
  });

  it('should start from a derivative when the derivative is traced', async () => {
    const { trace } = await data<{ trace: Lineage }>(AUDITOR, TRACE, { uid: D2 });
    expect(trace.edges.map((e) => `${e.kind} ${e.from}->${e.to}`)).toEqual([
      `DISCLOSED ${D2}->${ACME}`,
    ]);
  });

  it('should be empty when the study is unknown', async () => {
    expect(await data(AUDITOR, TRACE, { uid: '9.9.9' })).toEqual({
      trace: { nodes: [], edges: [] },
    });
  });

  it('should refuse a bad DateTime when asOf is not RFC 3339', async () => {
    const result = await gql(AUDITOR, TRACE, { uid: S1, asOf: 'yesterday' });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
  });
});

interface Entry {
  date: string;
  recipientName: string;
  recipientAddress: string | null;
  description: string;
  purpose: string;
  legalBasis: string;
  disclosureId: string;
  studyInstanceUid: string;
  exempt: boolean;
  ledgerSequence: number;
}
const ACCOUNTING = `query($p: PatientIdentifierInput!, $from: DateTime, $to: DateTime) {
  accountingOfDisclosures(patient: $p, from: $from, to: $to) { from to entries {
    date recipientName recipientAddress description purpose legalBasis disclosureId studyInstanceUid exempt ledgerSequence } } }`;

describe('accountingOfDisclosures', () => {
  it('should list every disclosure and onward transfer of the patient in the last six years', async () => {
    const { accountingOfDisclosures: report } = await data<{
      accountingOfDisclosures: { from: string; to: string; entries: Entry[] };
    }>(OFFICER, ACCOUNTING, { p: PATIENT_P });
    const years = (Date.parse(report.to) - Date.parse(report.from)) / (365.25 * 86_400_000);
    expect(years).toBeCloseTo(6, 1);
    expect(
      report.entries.map((e) => [e.disclosureId, e.studyInstanceUid, e.legalBasis, e.exempt]),
    ).toEqual([
      ['dsc-1', D1, 'DEIDENTIFIED', true],
      ['trf-1', D1, 'ONWARD_TRANSFER', true],
      ['dsc-2', S1, 'PATIENT_AUTHORIZATION', true],
      ['dsc-3', S2, 'PATIENT_AUTHORIZATION', false],
      ['dsc-5', S2, 'TREATMENT', true],
      ['dsc-6', D2, 'DEIDENTIFIED', true],
    ]);
    const [viaDataset, transfer, , , ghost] = report.entries;
    expect(viaDataset).toMatchObject({
      recipientName: 'Acme Imaging AI',
      recipientAddress: '1 Main St, Springfield',
      purpose: 'AI_TRAINING',
      date: '2024-06-01T00:00:00.000Z',
      description:
        'De-identified copy of a CT HEAD imaging study of 2024-04-30, as part of dataset "Head CT 2024"',
    });
    expect(transfer).toMatchObject({ recipientName: 'Cloud Host Inc' });
    expect(transfer.description).toContain('Acme Imaging AI');
    expect(ghost).toMatchObject({ recipientName: GHOST, recipientAddress: null });
    expect(JSON.stringify(report)).not.toContain(PATIENT_P.value);
  });

  it('should include older disclosures when the period says so', async () => {
    const { accountingOfDisclosures: report } = await data<{
      accountingOfDisclosures: { entries: Entry[] };
    }>(AUDITOR, ACCOUNTING, {
      p: PATIENT_P,
      from: '2017-01-01T00:00:00Z',
      to: '2024-06-02T00:00:00Z',
    });
    expect(report.entries.map((e) => e.disclosureId)).toEqual(['dsc-old', 'dsc-1']);
  });

  it('should leave out dataset members added after the disclosure when another patient asks', async () => {
    const { accountingOfDisclosures: report } = await data<{
      accountingOfDisclosures: { entries: Entry[] };
    }>(OFFICER, ACCOUNTING, { p: PATIENT_Q });
    expect(report.entries.map((e) => [e.disclosureId, e.studyInstanceUid, e.exempt])).toEqual([
      ['dsc-4', S3, false],
    ]);
  });

  it('should refuse a period that ends before it starts', async () => {
    const result = await gql(OFFICER, ACCOUNTING, {
      p: PATIENT_P,
      from: '2025-01-01T00:00:00Z',
      to: '2024-01-01T00:00:00Z',
    });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
  });

  it('should record each lookup in the access log, readable by a privacy officer only', async () => {
    const before = await data<{ accessLog: { totalCount: number } }>(
      OFFICER,
      '{ accessLog { totalCount } }',
    );
    await data(AUDITOR, ACCOUNTING, { p: PATIENT_Q });
    const log = await data<{
      accessLog: {
        totalCount: number;
        edges: {
          node: {
            at: string;
            actor: string;
            roles: string[];
            operation: string;
            patientPseudonym: string;
          };
        }[];
      };
    }>(
      OFFICER,
      '{ accessLog(first: 500) { totalCount edges { node { at actor roles operation patientPseudonym } } } }',
    );
    expect(log.accessLog.totalCount).toBe(before.accessLog.totalCount + 1);
    const last = log.accessLog.edges.at(-1)!.node;
    expect(last).toMatchObject({
      actor: 'auditor-1',
      roles: ['auditor'],
      operation: 'accountingOfDisclosures',
      patientPseudonym: patientPseudonym(PATIENT_Q, settings.pseudonymKey),
    });
    expect(Math.abs(Date.parse(last.at) - Date.now())).toBeLessThan(60_000);
    const stored = await db.dataSource.query<{ patient: string }[]>(
      'SELECT patient FROM rm_studies WHERE study_uid = $1',
      [S3],
    );
    expect(stored[0].patient).toBe(last.patientPseudonym);
  });

  it('should record each of many concurrent lookups once, with its own actor, roles and patient, before answering it', async () => {
    const count = async (): Promise<number> =>
      (await data<{ accessLog: { totalCount: number } }>(OFFICER, '{ accessLog { totalCount } }'))
        .accessLog.totalCount;
    const before = await count();
    const asked = Array.from({ length: 24 }, (_, i) => ({
      bearer: i % 3 === 0 ? AUDITOR : OFFICER,
      actor: i % 3 === 0 ? 'auditor-1' : 'officer-1',
      roles: i % 3 === 0 ? ['auditor'] : ['privacy_officer'],
      patient: i % 2 === 0 ? PATIENT_P : PATIENT_Q,
    }));
    const answers = await Promise.all(
      asked.map((a) =>
        data<{ accountingOfDisclosures: { entries: Entry[] } }>(a.bearer, ACCOUNTING, {
          p: a.patient,
        }),
      ),
    );
    answers.forEach((answer, i) =>
      expect(answer.accountingOfDisclosures.entries.map((e) => e.disclosureId)).toEqual(
        asked[i].patient === PATIENT_P
          ? ['dsc-1', 'trf-1', 'dsc-2', 'dsc-3', 'dsc-5', 'dsc-6']
          : ['dsc-4'],
      ),
    );
    const log = await data<{
      accessLog: {
        edges: {
          node: { actor: string; roles: string[]; operation: string; patientPseudonym: string };
        }[];
      };
    }>(
      OFFICER,
      '{ accessLog(first: 500) { edges { node { actor roles operation patientPseudonym } } } }',
    );
    const line = (e: {
      actor: string;
      roles: string[];
      operation: string;
      patientPseudonym: string;
    }): string => `${e.actor} ${e.roles.join(',')} ${e.operation} ${e.patientPseudonym}`;
    expect(await count()).toBe(before + asked.length);
    expect(
      log.accessLog.edges
        .slice(before)
        .map((e) => line(e.node))
        .sort(),
    ).toEqual(
      asked
        .map((a) =>
          line({
            actor: a.actor,
            roles: a.roles,
            operation: 'accountingOfDisclosures',
            patientPseudonym: patientPseudonym(a.patient, settings.pseudonymKey),
          }),
        )
        .sort(),
    );
  });

  it('should not record a lookup that was refused', async () => {
    const before = await data<{ accessLog: { totalCount: number } }>(
      OFFICER,
      '{ accessLog { totalCount } }',
    );
    expect(codeOf(await gql(ACME_TOKEN, ACCOUNTING, { p: PATIENT_P }))).toBe('FORBIDDEN');
    const after = await data<{ accessLog: { totalCount: number } }>(
      OFFICER,
      '{ accessLog { totalCount } }',
    );
    expect(after.accessLog.totalCount).toBe(before.accessLog.totalCount);
  });
});

describe('studies, vendors and findings', () => {
  it('should resolve a derivative of a derivative with the facts of its original', async () => {
    const { study } = await data<{ study: Record<string, unknown> }>(
      AUDITOR,
      `{ study(studyInstanceUid: "${D2}") { studyInstanceUid modality bodyPart studyDate methodCodes
         derivedFrom { studyInstanceUid derivedFrom { studyInstanceUid derivedFrom { studyInstanceUid } } }
         disclosures { disclosureId datasetId recipient { vendorId name } findings { code } }
         findings { code vendorId } } }`,
    );
    expect(study).toEqual({
      studyInstanceUid: D2,
      modality: 'CT',
      bodyPart: 'HEAD',
      studyDate: '2024-04-30',
      methodCodes: ['113100'],
      derivedFrom: {
        studyInstanceUid: D1,
        derivedFrom: { studyInstanceUid: S1, derivedFrom: null },
      },
      disclosures: [
        {
          disclosureId: 'dsc-6',
          datasetId: null,
          recipient: { vendorId: ACME, name: 'Acme Imaging AI' },
          findings: [{ code: 'FACE_NOT_REMOVED' }],
        },
      ],
      findings: [{ code: 'FACE_NOT_REMOVED', vendorId: ACME }],
    });
  });

  it('should list disclosures through a dataset only for members it held then', async () => {
    const result = await data<{
      d1: { disclosures: unknown[] };
      s3: { disclosures: unknown[] };
      s1: { derivatives: unknown[] };
    }>(
      AUDITOR,
      `{ d1: study(studyInstanceUid: "${D1}") { disclosures { disclosureId datasetId } }
         s3: study(studyInstanceUid: "${S3}") { disclosures { disclosureId datasetId } }
         s1: study(studyInstanceUid: "${S1}") { derivatives { studyInstanceUid } } }`,
    );
    expect(result.d1.disclosures).toEqual([{ disclosureId: 'dsc-1', datasetId: DATASET }]);
    expect(result.s3.disclosures).toEqual([{ disclosureId: 'dsc-4', datasetId: null }]);
    expect(result.s1.derivatives).toEqual([{ studyInstanceUid: D1 }]);
  });

  it('should count studies received and patients affected per vendor', async () => {
    const { vendors } = await data<{
      vendors: { totalCount: number; edges: { node: Record<string, unknown> }[] };
    }>(
      AUDITOR,
      '{ vendors { totalCount edges { node { vendorId name role address studiesReceived patientsAffected } } } }',
    );
    expect(vendors.totalCount).toBe(3);
    expect(
      vendors.edges.map((e) => [e.node.vendorId, e.node.studiesReceived, e.node.patientsAffected]),
    ).toEqual([
      [ACME, 3, 1],
      [CLOUD, 1, 1],
      [RESEARCH, 2, 2],
    ]);
    const ghost = await data(
      AUDITOR,
      `{ vendor(vendorId: "${GHOST}") { name role studiesReceived } nobody: vendor(vendorId: "nobody") { name } }`,
    );
    expect(ghost).toEqual({
      vendor: { name: GHOST, role: 'OTHER', studiesReceived: 1 },
      nobody: null,
    });
  });

  it('should batch child fields into one query per field when a list has many parents', async () => {
    // Read queries go to PostgreSQL as named statements (libs/queries/src/sql/queryable.ts):
    // count those the pg clients send.
    const spy = jest.spyOn(Client.prototype, 'query');
    const reads = (): number =>
      spy.mock.calls.filter(([config]) =>
        String((config as { name?: unknown }).name).startsWith('rd_'),
      ).length;
    try {
      const { vendors } = await data<{ vendors: { edges: unknown[] } }>(
        AUDITOR,
        `{ vendors { edges { node { studiesReceived patientsAffected
             findings(first: 2) { totalCount edges { node { code } } } } } } }`,
      );
      expect(vendors.edges).toHaveLength(3);
      // page + stats + findings pages + findings counts, whatever the number of vendors
      expect(reads()).toBe(4);
      spy.mockClear();
      await data(
        AUDITOR,
        `{ a: study(studyInstanceUid: "${S1}") { ...F } b: study(studyInstanceUid: "${S2}") { ...F }
           c: study(studyInstanceUid: "${D1}") { ...F } }
         fragment F on Study { derivedFrom { modality } derivatives { modality }
           disclosures { recipient { name } findings { code } } findings { code } }`,
      );
      // studies, derivative links, parents, derivatives' facts, disclosures, findings,
      // recipients, disclosure findings: one each for the three studies together
      expect(reads()).toBeLessThanOrEqual(8);
    } finally {
      spy.mockRestore();
    }
  });

  it('should page through findings with cursors in (ledgerSequence, study, code) order', async () => {
    const all = await data<{
      findings: {
        totalCount: number;
        edges: {
          cursor: string;
          node: { ledgerSequence: number; studyInstanceUid: string; code: string };
        }[];
      };
    }>(
      AUDITOR,
      '{ findings(first: 500) { totalCount edges { cursor node { ledgerSequence studyInstanceUid code } } } }',
    );
    const keys = all.findings.edges.map((e) => e.node);
    expect(keys.length).toBe(all.findings.totalCount);
    expect(keys.length).toBeGreaterThan(2);
    const sorted = [...keys].sort(
      (a, b) =>
        a.ledgerSequence - b.ledgerSequence ||
        (a.studyInstanceUid < b.studyInstanceUid
          ? -1
          : a.studyInstanceUid > b.studyInstanceUid
            ? 1
            : 0) ||
        (a.code < b.code ? -1 : 1),
    );
    expect(keys).toEqual(sorted);
    const paged: typeof keys = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        findings: {
          edges: { node: (typeof keys)[number] }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } = await data(
        AUDITOR,
        'query($a: String) { findings(first: 2, after: $a) { edges { node { ledgerSequence studyInstanceUid code } } pageInfo { hasNextPage endCursor } } }',
        { a: after },
      );
      paged.push(...page.findings.edges.map((e) => e.node));
      if (!page.findings.pageInfo.hasNextPage) break;
      after = page.findings.pageInfo.endCursor;
    }
    expect(paged).toEqual(keys);
    const noConsent = await data<{
      findings: {
        edges: { node: { studyInstanceUid: string; vendorId: string; eventId: string } }[];
      };
    }>(
      AUDITOR,
      '{ findings(code: NO_CONSENT) { edges { node { studyInstanceUid vendorId eventId } } } }',
    );
    expect(noConsent.findings.edges.map((e) => e.node)).toEqual([
      { studyInstanceUid: S2, vendorId: ACME, eventId: events.dsc3.id },
    ]);
  });

  it.each([
    [
      'first above the cap',
      '{ vendors(first: 501) { totalCount } }',
      /first must be between 0 and 500/,
    ],
    ['negative first', '{ findings(first: -1) { totalCount } }', /first must be between 0 and 500/],
    ['a forged cursor', '{ vendors(after: "bm9wZQ") { totalCount } }', /after: not a cursor/],
    [
      'a cursor of another list',
      '{ quarantine(after: "WyJ2ZW5kb3JzIiwiYSJd") { totalCount } }',
      /after: not a cursor/,
    ],
  ])('should answer BAD_USER_INPUT when a page argument is %s', async (_name, query, message) => {
    const result = await gql(OFFICER, query);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(message);
  });

  it('should show quarantined messages with their raw bytes, identifiers masked but for privacy officers', async () => {
    const query =
      '{ quarantine { totalCount edges { node { topic partition offset reason receivedAt rawBase64 } } } }';
    type Page = {
      quarantine: { totalCount: number; edges: { node: { rawBase64: string; reason: string } }[] };
    };
    const audited = await data<Page>(AUDITOR, query);
    const officer = await data<Page>(OFFICER, query);
    const raw = (p: Page): string[] =>
      p.quarantine.edges.map((e) => Buffer.from(e.node.rawBase64, 'base64').toString());
    expect(audited.quarantine.totalCount).toBe(2);
    expect(raw(officer)).toEqual(['not json at all', JSON.stringify(badStudy)]);
    // Not JSON: not shown at all to a role without clear identifiers; JSON: redacted.
    expect(raw(audited)[0]).toBe('');
    expect(raw(audited)[1]).toBe(JSON.stringify(badStudy).replace(PATIENT_P.value, '[redacted]'));
    expect(audited.quarantine.edges[1].node.reason).not.toContain(PATIENT_P.value);
  });
});

describe('ledger and proofs', () => {
  interface LedgerData {
    ledger: { treeSize: number; rootHash: string; checkpoint: string };
    verifierKey: string;
  }

  it('should publish a signed checkpoint of the current root, and proofs that verify independently', async () => {
    const { ledger, verifierKey } = await data<LedgerData>(
      ACME_TOKEN,
      '{ ledger { treeSize rootHash checkpoint } verifierKey }',
    );
    expect(ledger.treeSize).toBe(Object.keys(events).length);
    const note = openNote(ledger.checkpoint, [parseVerifierKey(verifierKey)]);
    const checkpoint = parseCheckpoint(note.text);
    expect(checkpoint.size).toBe(ledger.treeSize);
    expect(checkpoint.rootHash.toString('base64')).toBe(ledger.rootHash);

    const leaves: Buffer[] = [];
    for (let i = 0; i < ledger.treeSize; i++) {
      const { ledgerEntry } = await data<{
        ledgerEntry: { sequence: number; leafData: string; leafHash: string; chainHash: string };
      }>(
        AUDITOR,
        'query($i: Int!) { ledgerEntry(sequence: $i) { sequence leafData leafHash chainHash } }',
        { i },
      );
      const recomputed = leafHash(ledgerEntry.leafData);
      expect(ledgerEntry.leafHash).toBe(recomputed.toString('base64'));
      leaves.push(recomputed);
    }
    const root = Buffer.from(ledger.rootHash, 'base64');
    expect(merkleTreeHash(leaves).equals(root)).toBe(true);
    for (const i of [0, 3, ledger.treeSize - 1]) {
      const { inclusionProof } = await data<{ inclusionProof: string[] }>(
        AUDITOR,
        'query($i: Int!, $n: Int!) { inclusionProof(sequence: $i, treeSize: $n) }',
        { i, n: ledger.treeSize },
      );
      const proof = inclusionProof.map((h) => Buffer.from(h, 'base64'));
      expect(verifyInclusion(leaves[i], i, ledger.treeSize, proof, root)).toBe(true);
    }
    for (const m of [1, 5, ledger.treeSize - 1]) {
      const { consistencyProof } = await data<{ consistencyProof: string[] }>(
        AUDITOR,
        'query($m: Int!, $n: Int!) { consistencyProof(fromSize: $m, toSize: $n) }',
        { m, n: ledger.treeSize },
      );
      const proof = consistencyProof.map((h) => Buffer.from(h, 'base64'));
      expect(
        verifyConsistency(m, ledger.treeSize, proof, merkleTreeHash(leaves.slice(0, m)), root),
      ).toBe(true);
    }
    expect(
      await data(
        AUDITOR,
        `{ ledgerEntry(sequence: ${ledger.treeSize}) { sequence } same: consistencyProof(fromSize: 2, toSize: 2) }`,
      ),
    ).toEqual({
      ledgerEntry: null,
      same: [],
    });
  });

  it('should give a vendor only the ledger entries that name it', async () => {
    const [{ sequence: own }] = await db.dataSource.query<{ sequence: number }[]>(
      'SELECT sequence::int AS sequence FROM ledger_entries WHERE event_id = $1',
      [events.dsc1.id],
    );
    const [{ sequence: other }] = await db.dataSource.query<{ sequence: number }[]>(
      'SELECT sequence::int AS sequence FROM ledger_entries WHERE event_id = $1',
      [events.s1.id],
    );
    const query = 'query($i: Int!) { ledgerEntry(sequence: $i) { sequence } }';
    expect(await data(ACME_TOKEN, query, { i: own })).toEqual({ ledgerEntry: { sequence: own } });
    const refused = await gql(ACME_TOKEN, query, { i: other });
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(refused.text).not.toContain('pp_');
  });

  it.each([
    ['sequence >= treeSize', `{ inclusionProof(sequence: 3, treeSize: 3) }`],
    ['treeSize beyond the log', `{ inclusionProof(sequence: 0, treeSize: ${size + 1}) }`],
    ['toSize beyond the log', `{ consistencyProof(fromSize: 1, toSize: ${size + 1}) }`],
    ['fromSize < 1', `{ consistencyProof(fromSize: 0, toSize: 2) }`],
    ['fromSize > toSize', `{ consistencyProof(fromSize: 3, toSize: 2) }`],
  ])('should answer BAD_USER_INPUT when %s', async (_name, query) => {
    const result = await gql(AUDITOR, query);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.data).toBeNull();
  });
});

describe('limits, health and metrics', () => {
  it('should refuse a query nested too deep', async () => {
    const deep = `{ study(studyInstanceUid: "${D2}") { ${'derivedFrom { '.repeat(10)} studyInstanceUid ${'} '.repeat(10)} } }`;
    const result = await gql(AUDITOR, deep);
    expect(result.status).toBe(400);
    expect(result.errors?.[0].message).toMatch(/nested 11 levels deep; the limit is 10/);
  });

  it('should refuse a query estimated too expensive', async () => {
    const result = await gql(
      AUDITOR,
      '{ vendors(first: 500) { edges { node { findings(first: 500) { edges { node { code } } } } } } }',
    );
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(/too expensive/);
  });

  it('should refuse introspection when NODE_ENV is not development', async () => {
    const result = await gql(AUDITOR, '{ __schema { queryType { name } } }');
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0].message).toMatch(/introspection/i);
  });

  it('should report healthy dependencies without a token', async () => {
    const base = api.url.replace(/\/graphql$/, '');
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, kafka: { status: 'up' } },
    });
  });

  it('should answer 503 naming Kafka when no broker answers', async () => {
    const lonely = await startApi({
      settings,
      dataSource: db.dataSource,
      kafkaBrokers: ['127.0.0.1:1'],
      logger: testLogger,
    });
    try {
      const response = await fetch(lonely.url.replace(/\/graphql$/, '/health'));
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        status: 'error',
        error: { kafka: { status: 'down' } },
        info: { database: { status: 'up' } },
      });
    } finally {
      await lonely.close();
    }
  });

  it('should expose ledger, quarantine, findings and request metrics without a token', async () => {
    await data(AUDITOR, '{ verifierKey }');
    const response = await fetch(api.url.replace(/\/graphql$/, '/metrics'));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(new RegExp(`^scantrail_ledger_tree_size ${size}$`, 'm'));
    expect(text).toMatch(/^scantrail_quarantined_messages 2$/m);
    expect(text).toMatch(/^scantrail_findings\{code="NO_CONSENT"\} 1$/m);
    expect(text).toMatch(/^scantrail_graphql_request_duration_seconds_count\{status="200"\} \d+$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});
