// Black-box contract suite for what lineage-scenario.e2e.ts leaves out, mostly v1.1: the
// inspection findings, deletion requests, breach reports, the v1.1 schema rules that
// quarantine, hand-made bearer tokens (with and without exp) and the proof-argument
// errors. Events go to real Kafka exactly as CONTRACT.md section 1 shows them; answers are
// read through the real GraphQL API. Every expected value is derived by hand from the
// contract (the comment above each check quotes the rule); none was read off the product.
import { createHmac } from 'node:crypto';
import type { Settings } from '@scantrail/config';
import { E2eStack } from '../support/e2e-stack';
import { eventually, findingsSettled, testSettings } from '../support/test-env';
import { GraphqlClient, type Connection } from './graphql-client';

const SOURCE = 'urn:scantrail:blackbox:his';
const ALPHA = 'bb-alpha';
const BETA = 'bb-beta';
/** Never registered: the contract says it still appears, named by its id. */
const UNREG = 'bb-unregistered';
const ALPHA_NAME = 'Blackbox Alpha AI';
const ALPHA_ADDRESS = '1 Model Way, Springfield';
const SYSTEM = 'urn:oid:2.16.840.1.113883.3.7';
const P1 = { system: SYSTEM, value: 'MRN-BBX-0001' };
const P2 = { system: SYSTEM, value: 'MRN-BBX-0002' };
const S1 = '1.2.826.0.1.3680043.10.1001.1';
const S2 = '1.2.826.0.1.3680043.10.1001.2';
const D1 = '1.2.826.0.1.3680043.10.1001.1.9';
const D2 = '1.2.826.0.1.3680043.10.1001.2.9';
const MODEL = 'bb-model-ich';

interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: string;
  data: Record<string, unknown>;
}

const ce = (
  id: string,
  type: string,
  time: string,
  subject: string,
  data: Record<string, unknown>,
  source = SOURCE,
): CloudEvent => ({
  specversion: '1.0',
  id,
  source,
  type: `org.scantrail.${type}`,
  time,
  subject,
  datacontenttype: 'application/json',
  data,
});

const disclosure = (
  id: string,
  time: string,
  study: string,
  vendorId: string,
  purpose: string,
  legalBasis: string,
): CloudEvent =>
  ce(id, 'disclosure.recorded', time, study, {
    disclosureId: id,
    recipientVendorId: vendorId,
    target: { studyInstanceUid: study },
    purpose,
    legalBasis,
  });

/** Alpha passing a study on to beta for AI training. */
const transfer = (id: string, time: string, study: string): CloudEvent =>
  ce(id, 'transfer.onward', time, study, {
    transferId: id,
    fromVendorId: ALPHA,
    toVendorId: BETA,
    target: { studyInstanceUid: study },
    purpose: 'AI_TRAINING',
  });

const inspection = (
  id: string,
  time: string,
  study: string,
  result: 'PASS' | 'FAIL',
  extra: Record<string, unknown> = {},
): CloudEvent =>
  ce(id, 'deidentification.inspected', time, study, {
    inspectionId: id,
    studyInstanceUid: study,
    tool: { name: 'bb-inspector', version: '2.1' },
    instances: 30,
    result,
    ...extra,
  });

const FAIL_ISSUES = [{ code: 'IDENTIFYING_ATTRIBUTE_PRESENT', instances: 3, tag: '0010,0010' }];

const E = {
  alpha: ce('bb-v-alpha', 'vendor.registered', '2025-01-01T00:00:00Z', ALPHA, {
    vendorId: ALPHA,
    name: ALPHA_NAME,
    address: ALPHA_ADDRESS,
    country: 'US',
    role: 'AI_DEVELOPER',
  }),
  beta: ce('bb-v-beta', 'vendor.registered', '2025-01-01T00:00:00Z', BETA, {
    vendorId: BETA,
    name: 'Blackbox Beta Cloud',
    role: 'CLOUD_HOST',
  }),
  agrAlpha: ce('bb-agr-alpha', 'agreement.signed', '2025-01-01T00:00:00Z', ALPHA, {
    agreementId: 'bb-agr-alpha',
    vendorId: ALPHA,
    kind: 'DUA',
    permittedPurposes: ['AI_TRAINING', 'RESEARCH'],
    effectiveFrom: '2025-01-01',
    allowsOnwardTransfer: true,
  }),
  agrBeta: ce('bb-agr-beta', 'agreement.signed', '2025-01-01T00:00:00Z', BETA, {
    agreementId: 'bb-agr-beta',
    vendorId: BETA,
    kind: 'BAA',
    permittedPurposes: ['AI_TRAINING'],
    effectiveFrom: '2025-01-01',
    allowsOnwardTransfer: false,
  }),
  s1: ce('bb-s1', 'study.registered', '2025-01-10T09:00:00Z', S1, {
    studyInstanceUid: S1,
    patient: P1,
    modality: 'CT',
    bodyPart: 'HEAD',
    studyDate: '2025-01-10',
    facility: 'Blackbox General',
  }),
  s2: ce('bb-s2', 'study.registered', '2025-01-11T09:00:00Z', S2, {
    studyInstanceUid: S2,
    patient: P2,
    modality: 'CR',
    bodyPart: 'CHEST',
    studyDate: '2025-01-11',
    facility: 'Blackbox General',
  }),
  d1: ce('bb-d1', 'study.deidentified', '2025-01-15T00:00:00Z', S1, {
    sourceStudyInstanceUid: S1,
    derivedStudyInstanceUid: D1,
    methodCodes: ['113100', '113101', '113102'],
    tool: { name: 'bb-anon', version: '1.0' },
  }),
  d2: ce('bb-d2', 'study.deidentified', '2025-01-15T00:00:00Z', S2, {
    sourceStudyInstanceUid: S2,
    derivedStudyInstanceUid: D2,
    methodCodes: ['113100'],
    tool: { name: 'bb-anon', version: '1.0' },
  }),
  inspD1: inspection('bb-insp-d1', '2025-01-16T00:00:00Z', D1, 'PASS', {
    methodCodesFound: ['113100', '113101', '113102'],
  }),
  // D2's later inspection fails and found P2's MRN without a system; published before the
  // earlier PASS so that only the rule "latest by time" can pick it.
  inspD2Fail: inspection('bb-insp-d2-b', '2025-01-25T00:00:00Z', D2, 'FAIL', {
    issues: FAIL_ISSUES,
    patientIdentifiersFound: [{ value: P2.value }],
  }),
  inspD2Pass: inspection('bb-insp-d2-a', '2025-01-20T00:00:00Z', D2, 'PASS'),
  // An original's failed inspection, identifier found with its system.
  inspS2: inspection('bb-insp-s2', '2025-01-21T00:00:00Z', S2, 'FAIL', {
    issues: [{ code: 'BURNED_IN_ANNOTATION', instances: 1, keyword: 'BurnedInAnnotation' }],
    patientIdentifiersFound: [P2],
  }),
  consentP1: ce('bb-c-p1', 'consent.recorded', '2025-01-05T00:00:00Z', 'bb-c-p1', {
    consentId: 'bb-c-p1',
    patient: P1,
    decision: 'PERMIT',
    purposes: ['AI_TRAINING'],
    validFrom: '2025-01-01',
  }),
  x1: disclosure('bb-x1', '2025-02-01T10:00:00Z', D1, ALPHA, 'AI_TRAINING', 'DEIDENTIFIED'),
  x2: disclosure('bb-x2', '2025-02-02T10:00:00Z', D2, ALPHA, 'AI_TRAINING', 'DEIDENTIFIED'),
  x3: disclosure('bb-x3', '2025-02-03T10:00:00Z', S2, UNREG, 'TREATMENT', 'TREATMENT'),
  x6: disclosure('bb-x6', '2025-02-05T10:00:00Z', S2, ALPHA, 'AI_TRAINING', 'DEIDENTIFIED'),
  x4: disclosure('bb-x4', '2025-02-10T10:00:00Z', S1, BETA, 'AI_TRAINING', 'PATIENT_AUTHORIZATION'),
  t1: transfer('bb-t1', '2025-02-15T10:00:00Z', D1),
  t2: transfer('bb-t2', '2025-02-16T10:00:00Z', D2),
  model: ce('bb-m1', 'model.trained', '2025-02-20T00:00:00Z', MODEL, {
    vendorId: ALPHA,
    modelId: MODEL,
    modelVersion: '1',
    target: { studyInstanceUid: D1 },
    usage: 'TRAINING',
  }),
  delBetaS1: ce('bb-del-beta-s1', 'deletion.attested', '2025-03-10T00:00:00Z', S1, {
    vendorId: BETA,
    target: { studyInstanceUid: S1 },
    method: 'crypto-erase',
  }),
  dr1: ce('bb-dr1', 'deletion.requested', '2025-03-01T00:00:00Z', 'bb-dr1', {
    requestId: 'bb-dr1',
    patient: P1,
    dueBy: '2025-03-15',
    legalGround: 'CCPA 1798.105',
  }),
  dr2: ce('bb-dr2', 'deletion.requested', '2025-03-01T00:00:00Z', 'bb-dr2', {
    requestId: 'bb-dr2',
    patient: P2,
    dueBy: '2025-03-15',
  }),
  // P2's request scoped to P1's study only: "studies of other patients are ignored".
  dr3: ce('bb-dr3', 'deletion.requested', '2025-03-02T00:00:00Z', 'bb-dr3', {
    requestId: 'bb-dr3',
    patient: P2,
    dueBy: '2025-03-15',
    scope: { studyInstanceUids: [S1] },
  }),
  br1: ce('bb-br1', 'breach.reported', '2025-06-10T12:00:00Z', 'bb-br1', {
    breachId: 'bb-br1',
    vendorId: ALPHA,
    discoveredAt: '2025-06-10',
    exposureFrom: '2025-01-01',
  }),
  // Beta's holding of S1 is [2025-02-10T10:00Z, 2025-03-10T00:00Z): it ends exactly at
  // exposureFrom, so it does not overlap (the holding must "end after exposureFrom").
  br2: ce('bb-br2', 'breach.reported', '2027-05-01T12:00:00Z', 'bb-br2', {
    breachId: 'bb-br2',
    vendorId: BETA,
    discoveredAt: '2027-05-01T12:00:00Z',
    exposureFrom: '2025-03-10T00:00:00Z',
    affectedTargets: [{ studyInstanceUid: S1 }],
  }),
  br3: ce('bb-br3', 'breach.reported', '2025-03-20T00:00:00Z', 'bb-br3', {
    breachId: 'bb-br3',
    vendorId: BETA,
    discoveredAt: '2025-03-20',
    exposureFrom: '2025-03-09T00:00:00Z',
  }),
};

/** Messages the contract says are quarantined (section 1, v1.1 rules, section 4). */
const BAD: { why: string; value: Buffer; key: string }[] = [
  { why: 'not JSON', key: 'bb-bad', value: Buffer.from('{"specversion":"1.0",') },
  {
    why: 'not a CloudEvent (no specversion)',
    key: 'bb-bad',
    value: Buffer.from(JSON.stringify({ ...E.alpha, specversion: undefined, id: 'bb-bad-1' })),
  },
  {
    why: 'unknown type',
    key: 'bb-bad',
    value: Buffer.from(JSON.stringify({ ...E.alpha, id: 'bb-bad-2', type: 'org.x.unknown' })),
  },
  ...(
    [
      [
        'PASS with issues',
        inspection('bb-bad-3', '2025-01-30T00:00:00Z', D1, 'PASS', { issues: FAIL_ISSUES }),
      ],
      ['FAIL without issues', inspection('bb-bad-4', '2025-01-30T00:00:00Z', D1, 'FAIL')],
      [
        'issue tag in lower case',
        inspection('bb-bad-5', '2025-01-30T00:00:00Z', D1, 'FAIL', {
          issues: [{ code: 'PRIVATE_ATTRIBUTES_RETAINED', instances: 1, tag: '0009,10ab' }],
        }),
      ],
      [
        'issue on more instances than were read',
        inspection('bb-bad-6', '2025-01-30T00:00:00Z', D1, 'FAIL', {
          issues: [{ code: 'BURNED_IN_ANNOTATION', instances: 31 }],
        }),
      ],
      [
        'no instance read',
        inspection('bb-bad-7', '2025-01-30T00:00:00Z', D1, 'PASS', { instances: 0 }),
      ],
      [
        'exposureFrom later than exposureTo',
        ce('bb-bad-8', 'breach.reported', '2025-06-01T00:00:00Z', 'bb-bad-8', {
          breachId: 'bb-bad-8',
          vendorId: ALPHA,
          discoveredAt: '2025-06-01',
          exposureFrom: '2025-05-02',
          exposureTo: '2025-05-01',
        }),
      ],
      [
        'deletion scope with an empty list',
        ce('bb-bad-9', 'deletion.requested', '2025-03-01T00:00:00Z', 'bb-bad-9', {
          requestId: 'bb-bad-9',
          patient: P1,
          dueBy: '2025-03-15',
          scope: { studyInstanceUids: [] },
        }),
      ],
      [
        'dataset of 501 studies',
        ce('bb-bad-10', 'dataset.assembled', '2025-01-30T00:00:00Z', 'bb-ds-big', {
          datasetId: 'bb-ds-big',
          name: 'too big',
          studyInstanceUids: Array.from({ length: 501 }, (_, i) => `1.2.3.${i}`),
        }),
      ],
      [
        'leaf data over 65,535 bytes',
        ce('bb-bad-11', 'study.registered', '2025-01-12T00:00:00Z', '1.2.3.999', {
          studyInstanceUid: '1.2.3.999',
          patient: P1,
          modality: 'CT',
          bodyPart: 'CHEST',
          studyDate: '2025-01-12',
          facility: 'Blackbox General',
          description: 'x'.repeat(70_000),
        }),
      ],
      // "Lists in events, when present, are not empty: an empty one breaks the event's schema."
      [
        'consent with no purpose',
        ce('bb-bad-12', 'consent.recorded', '2025-01-05T00:00:00Z', 'bb-bad-12', {
          consentId: 'bb-bad-12',
          patient: P1,
          decision: 'PERMIT',
          purposes: [],
          validFrom: '2025-01-01',
        }),
      ],
      [
        'consent with an empty vendor list',
        ce('bb-bad-13', 'consent.recorded', '2025-01-05T00:00:00Z', 'bb-bad-13', {
          consentId: 'bb-bad-13',
          patient: P1,
          decision: 'DENY',
          purposes: ['AI_TRAINING'],
          vendorIds: [],
          validFrom: '2025-01-01',
        }),
      ],
      [
        'breach with no affected target',
        ce('bb-bad-14', 'breach.reported', '2025-06-01T00:00:00Z', 'bb-bad-14', {
          breachId: 'bb-bad-14',
          vendorId: ALPHA,
          discoveredAt: '2025-06-01',
          affectedTargets: [],
        }),
      ],
      [
        'de-identification without method codes',
        ce('bb-bad-15', 'study.deidentified', '2025-01-15T00:00:00Z', S1, {
          sourceStudyInstanceUid: S1,
          derivedStudyInstanceUid: '1.2.3.998',
          methodCodes: [],
          tool: { name: 'bb-anon', version: '1.0' },
        }),
      ],
      // "Target: exactly one of { studyInstanceUid } or { datasetId }"
      [
        'target naming a study and a dataset',
        ce('bb-bad-16', 'deletion.attested', '2025-03-10T00:00:00Z', S1, {
          vendorId: BETA,
          target: { studyInstanceUid: S1, datasetId: 'bb-ds-x' },
        }),
      ],
      [
        'inspection with an empty identifier list',
        inspection('bb-bad-17', '2025-01-30T00:00:00Z', D1, 'PASS', {
          patientIdentifiersFound: [],
        }),
      ],
      ['time not RFC 3339', { ...E.alpha, id: 'bb-bad-18', time: '01/02/2025 10:00' }],
      ['specversion 0.3', { ...E.alpha, id: 'bb-bad-19', specversion: '0.3' as '1.0' }],
      [
        'data not an object',
        { ...E.alpha, id: 'bb-bad-20', data: [E.alpha.data] as unknown as Record<string, unknown> },
      ],
    ] as [string, CloudEvent][]
  ).map(([why, e]) => ({ why, key: e.subject, value: Buffer.from(JSON.stringify(e)) })),
];

/** In publication order (D2's FAIL before its earlier PASS, see above). */
const GOOD: CloudEvent[] = [
  E.alpha,
  E.beta,
  E.agrAlpha,
  E.agrBeta,
  E.s1,
  E.s2,
  E.d1,
  E.d2,
  E.inspD1,
  E.inspD2Fail,
  E.inspD2Pass,
  E.inspS2,
  E.consentP1,
  E.x1,
  E.x2,
  E.x3,
  E.x6,
  E.x4,
  E.t1,
  E.t2,
  E.model,
  E.delBetaS1,
  E.dr1,
  E.dr2,
  E.dr3,
  E.br1,
  E.br2,
  E.br3,
];
/** The same source and id again: recorded once, not quarantined (section 1). */
const DUPLICATES = [E.x1, E.s2];

// ------------------------------------------------------------------------ tokens by hand

const b64url = (v: Buffer | string): string => Buffer.from(v).toString('base64url');

/** An HS256 JWT as any outside client library makes it. */
function jwt(secret: Buffer, claims: Record<string, unknown>): string {
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

const nowS = (): number => Math.floor(Date.now() / 1000);

let stack: E2eStack;
let settings: Settings;
let client: GraphqlClient;
let sent = 0;
const tok: Record<'officer' | 'auditor' | 'alpha' | 'beta' | 'unreg', string> = {
  officer: '',
  auditor: '',
  alpha: '',
  beta: '',
  unreg: '',
};
const OFFICER_SUB = 'bb-officer@hospital';

const gql = <T>(token: string, query: string, variables: Record<string, unknown> = {}) =>
  client.data<T>(token, query, variables);

async function publish(messages: { key: string; value: Buffer }[]): Promise<void> {
  const producer = await stack.kafka.producer();
  try {
    await producer.send(stack.topic, messages);
  } finally {
    await producer.disconnect();
  }
  sent += messages.length;
}

const asMessage = (e: CloudEvent) => ({ key: e.subject, value: Buffer.from(JSON.stringify(e)) });

/** Waits until the ingest handled every message sent and the findings caught up with it. */
async function settle(): Promise<void> {
  await eventually(
    () => {
      const c = stack.ingest!.counters;
      return Promise.resolve(c.recorded + c.duplicates + c.quarantined >= sent ? true : undefined);
    },
    60_000,
    `ingest to handle ${sent} messages`,
  );
  await findingsSettled(stack.db.dataSource);
}

beforeAll(async () => {
  stack = await E2eStack.open(3);
  settings = testSettings();
  await stack.startIngest(settings);
  await stack.startApi({ ...settings, ledgerSigner: undefined });
  client = new GraphqlClient(stack.api!.url);
  const s = settings.authJwtSecret;
  const iat = nowS();
  // jsonwebtoken's default sign: iat only, no exp.
  tok.officer = jwt(s, { sub: OFFICER_SUB, roles: ['privacy_officer'], iat });
  tok.auditor = jwt(s, { sub: 'bb-auditor', roles: ['auditor'], iat, exp: iat + 900 });
  tok.alpha = jwt(s, {
    sub: 'bb-alpha-svc',
    roles: ['vendor'],
    vendorId: ALPHA,
    iat,
    exp: iat + 900,
  });
  tok.beta = jwt(s, { sub: 'bb-beta-svc', roles: ['vendor'], vendorId: BETA, iat });
  tok.unreg = jwt(s, { sub: 'bb-unreg-svc', roles: ['vendor'], vendorId: UNREG, iat });

  await publish(GOOD.map(asMessage));
  await publish(BAD.map(({ key, value }) => ({ key, value })));
  await publish(DUPLICATES.map(asMessage));
  await settle();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

// --------------------------------------------------------------------------- the tests

describe('blackbox contract: tokens (section 3)', () => {
  const probe = '{ ledger { treeSize } }';

  it('should accept a hand-made HS256 token without exp (iat only)', async () => {
    const result = await client.send<{ ledger: { treeSize: number } }>(tok.officer, probe);
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
  });

  // "No token, a bad signature, an expired token: HTTP 401."
  it.each([
    ['no token', () => null],
    [
      'a bad signature',
      () =>
        jwt(Buffer.from('not-the-secret-xxxxxxxxxxxxxxxxxx'), {
          sub: 'x',
          roles: ['privacy_officer'],
          iat: nowS(),
        }),
    ],
    [
      'an expired token',
      () =>
        jwt(settings.authJwtSecret, {
          sub: 'x',
          roles: ['privacy_officer'],
          iat: nowS() - 600,
          exp: nowS() - 60,
        }),
    ],
    // A bad signature, however it is bad: none at all, or one over the token's own claims
    // with the header's alg changed after signing.
    [
      'an unsigned token (alg none)',
      () =>
        `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(
          JSON.stringify({ sub: 'x', roles: ['privacy_officer'], iat: nowS() }),
        )}.`,
    ],
    [
      'a signature under another header',
      () => {
        const [, claims, sig] = jwt(settings.authJwtSecret, {
          sub: 'x',
          roles: ['privacy_officer'],
          iat: nowS(),
        }).split('.');
        return `${b64url(JSON.stringify({ alg: 'HS512', typ: 'JWT' }))}.${claims}.${sig}`;
      },
    ],
  ])('should answer HTTP 401 for %s', async (_what, token) => {
    const result = await client.send(token(), probe);
    expect(result.status).toBe(401);
    expect(result.data ?? null).toBeNull();
  });
});

describe('blackbox contract: ingest (section 1, section 4)', () => {
  // "a redelivered or re-published event is recorded once"; "Quarantined messages are not
  // ledger entries. A duplicate is neither recorded again nor quarantined."
  it('should hold each good event once and nothing else in the ledger', async () => {
    // The ledger state is that of the latest checkpoint, "within CHECKPOINT_INTERVAL_S
    // after it stops growing" (1 s here): poll until it is stable.
    const state = await eventually(async () => {
      const d = await gql<{ ledger: { treeSize: number; checkpoint: string } }>(
        tok.auditor,
        '{ ledger { treeSize checkpoint } }',
      );
      return d.ledger.treeSize >= GOOD.length ? d.ledger : undefined;
    }, 10_000);
    expect(state.treeSize).toBe(GOOD.length);
    // tlog-checkpoint: origin line, then the tree size.
    expect(state.checkpoint.split('\n').slice(0, 2)).toEqual([
      settings.ledgerOrigin,
      String(GOOD.length),
    ]);
  });

  // "kept in a quarantine with the reason, the raw bytes and its Kafka coordinates"
  it('should quarantine every message the contract rules out, with its raw bytes and a reason', async () => {
    const data = await gql<{
      quarantine: Connection<{
        reason: string;
        rawBase64: string;
        topic: string;
        partition: number;
        offset: string;
      }>;
    }>(
      tok.officer,
      '{ quarantine(first: 100) { totalCount edges { node { topic partition offset reason rawBase64 } } } }',
    );
    expect(data.quarantine.totalCount).toBe(BAD.length);
    const byRaw = new Map(data.quarantine.edges.map((e) => [e.node.rawBase64, e.node]));
    const missing = BAD.filter((b) => !byRaw.has(b.value.toString('base64'))).map((b) => b.why);
    expect(missing).toEqual([]);
    for (const node of byRaw.values()) {
      expect(node.topic).toBe(stack.topic);
      expect(node.reason.length).toBeGreaterThan(0);
      expect(node.offset).toMatch(/^\d+$/);
    }
  });

  // Section 4: "a message whose entry would be larger is quarantined (reason starting too_large)".
  it('should give an oversized entry a reason starting too_large', async () => {
    const data = await gql<{ quarantine: Connection<{ reason: string; rawBase64: string }> }>(
      tok.officer,
      '{ quarantine(first: 100) { edges { node { reason rawBase64 } } } }',
    );
    const big = BAD.find((b) => b.why.startsWith('leaf data'))!.value.toString('base64');
    const node = data.quarantine.edges.find((e) => e.node.rawBase64 === big)?.node;
    expect(node?.reason).toMatch(/^too_large/);
  });
});

interface FindingNode {
  code: string;
  studyInstanceUid: string;
  vendorId: string;
  eventId: string;
  occurredAt: string;
  ledgerSequence: number;
  detail: string;
}
const FINDING_FIELDS = 'code studyInstanceUid vendorId eventId occurredAt ledgerSequence detail';

/** The codes of the findings about one disclosure or transfer, as an auditor reads them. */
async function findingCodes(eventId: string, studyUid?: string): Promise<string[]> {
  const d = await gql<{ findings: Connection<FindingNode> }>(
    tok.auditor,
    `query($s: String) { findings(studyInstanceUid: $s, first: 500) { edges { node { ${FINDING_FIELDS} } } } }`,
    { s: studyUid },
  );
  return d.findings.edges
    .filter((e) => e.node.eventId === eventId)
    .map((e) => e.node.code)
    .sort();
}

describe('blackbox contract: v1.1 findings (section 2)', () => {
  let all: FindingNode[] = [];
  beforeAll(async () => {
    const data = await gql<{ findings: Connection<FindingNode> }>(
      tok.auditor,
      `{ findings(first: 100) { totalCount edges { node { ${FINDING_FIELDS} } } } }`,
    );
    all = data.findings.edges.map((e) => e.node);
  });
  const codesOf = (eventId: string, study: string) =>
    all
      .filter((f) => f.eventId === eventId && f.studyInstanceUid === study)
      .map((f) => f.code)
      .sort();

  // D1: 113100 and a latest PASS inspection; CT HEAD with 113102; alpha's agreement permits.
  it('should give no finding for a properly de-identified derivative', () => {
    expect(codesOf('bb-x1', D1)).toEqual([]);
  });

  // DEIDENTIFICATION_FAILED: "basis DEIDENTIFIED, and the disclosed study's latest inspection
  // has result FAIL"; latest = latest time (2025-01-25 FAIL over 2025-01-20 PASS, though
  // published first). PATIENT_IDENTIFIABLE: "a found identifier without system matches on
  // value alone".
  it('should flag a derivative whose latest inspection failed and found its patient', () => {
    expect(codesOf('bb-x2', D2)).toEqual(['DEIDENTIFICATION_FAILED', 'PATIENT_IDENTIFIABLE']);
  });

  // "detail names its issue codes"
  it('should name the inspection issue codes in the DEIDENTIFICATION_FAILED detail', () => {
    const f = all.find((x) => x.eventId === 'bb-x2' && x.code === 'DEIDENTIFICATION_FAILED');
    expect(f?.detail).toContain('IDENTIFYING_ATTRIBUTE_PRESENT');
    // "A finding's eventId, ledgerSequence and occurredAt are those of the disclosure".
    expect(f?.occurredAt).toBe('2025-02-02T10:00:00.000Z');
    expect(f?.vendorId).toBe(ALPHA);
  });

  // DEIDENTIFICATION_FAILED: "(a derivative or not: independent of NOT_DEIDENTIFIED)";
  // PATIENT_IDENTIFIABLE needs "the disclosed study is a derivative".
  it('should flag an original disclosed as de-identified with both codes but not PATIENT_IDENTIFIABLE', () => {
    expect(codesOf('bb-x6', S2)).toEqual(['DEIDENTIFICATION_FAILED', 'NOT_DEIDENTIFIED']);
  });

  // TREATMENT: no agreement or objection rule; PATIENT_AUTHORIZATION with a covering PERMIT.
  // Transfers: alpha allows onward transfer, beta permits AI_TRAINING.
  it('should give no finding where every rule is met', () => {
    for (const [id, study] of [
      ['bb-x3', S2],
      ['bb-x4', S1],
      ['bb-t1', D1],
      ['bb-t2', D2],
    ]) {
      expect([id, codesOf(id, study)]).toEqual([id, []]);
    }
    expect(all).toHaveLength(4);
  });

  it('should filter findings by the v1.1 codes', async () => {
    const data = await gql<{ findings: Connection<FindingNode> }>(
      tok.auditor,
      `{ findings(code: PATIENT_IDENTIFIABLE) { totalCount edges { node { ${FINDING_FIELDS} } } } }`,
    );
    expect(data.findings.totalCount).toBe(1);
    expect(data.findings.edges[0].node).toMatchObject({ studyInstanceUid: D2, eventId: 'bb-x2' });
  });
});

describe('blackbox contract: inspections (section 3)', () => {
  // "Inspections of one study: oldest first"; "Inspection.tool: <name> <version>"
  it("should list a study's inspections oldest first with the tool as name and version", async () => {
    const data = await gql<{
      study: {
        inspections: {
          inspectionId: string;
          tool: string;
          result: string;
          instances: number;
          issues: { code: string; instances: number; tag: string | null }[];
        }[];
      };
    }>(
      tok.auditor,
      `query($u: String!) { study(studyInstanceUid: $u) { inspections {
         inspectionId tool result instances issues { code instances tag } } } }`,
      { u: D2 },
    );
    expect(data.study.inspections.map((i) => [i.inspectionId, i.result])).toEqual([
      ['bb-insp-d2-a', 'PASS'],
      ['bb-insp-d2-b', 'FAIL'],
    ]);
    expect(data.study.inspections[1]).toMatchObject({
      tool: 'bb-inspector 2.1',
      instances: 30,
      issues: [{ code: 'IDENTIFYING_ATTRIBUTE_PRESENT', instances: 3, tag: '0010,0010' }],
    });
  });
});

interface AccountingEntry {
  date: string;
  recipientName: string;
  recipientAddress: string | null;
  description: string;
  legalBasis: string;
  disclosureId: string;
  studyInstanceUid: string;
  exempt: boolean;
}

const ACCOUNTING = `query($p: PatientIdentifierInput!, $from: DateTime, $to: DateTime) {
  accountingOfDisclosures(patient: $p, from: $from, to: $to) { from to entries {
    date recipientName recipientAddress description legalBasis disclosureId studyInstanceUid exempt } } }`;

describe('blackbox contract: accounting (section 3)', () => {
  const account = (p: typeof P1, from?: string, to?: string) =>
    gql<{ accountingOfDisclosures: { from: string; to: string; entries: AccountingEntry[] } }>(
      tok.officer,
      ACCOUNTING,
      { p, from, to },
    ).then((d) => d.accountingOfDisclosures);

  // exempt: "DEIDENTIFIED with no NOT_DEIDENTIFIED, DEIDENTIFICATION_FAILED or
  // PATIENT_IDENTIFIABLE finding"; transfers: "exempt is true only for ... a properly
  // de-identified one"; the description "names the sender by its registered name".
  it("should mark P2's failed de-identifications not exempt, TREATMENT exempt", async () => {
    const a = await account(P2);
    const byId = new Map(a.entries.map((e) => [e.disclosureId, e]));
    expect([...byId.keys()].sort()).toEqual(['bb-t2', 'bb-x2', 'bb-x3', 'bb-x6']);
    expect(byId.get('bb-x2')).toMatchObject({ exempt: false, studyInstanceUid: D2 });
    expect(byId.get('bb-x6')).toMatchObject({ exempt: false, studyInstanceUid: S2 });
    expect(byId.get('bb-x3')).toMatchObject({ exempt: true, legalBasis: 'TREATMENT' });
    expect(byId.get('bb-t2')).toMatchObject({ exempt: false, legalBasis: 'ONWARD_TRANSFER' });
    expect(byId.get('bb-t2')!.description).toContain(ALPHA_NAME);
  });

  // "A vendor never registered appears ... with its id as name, no address".
  it('should name an unregistered recipient by its id, without address', async () => {
    const a = await account(P2);
    expect(a.entries.find((e) => e.disclosureId === 'bb-x3')).toMatchObject({
      recipientName: UNREG,
      recipientAddress: null,
    });
  });

  it("should mark P1's properly de-identified disclosure and transfer exempt", async () => {
    const a = await account(P1);
    const byId = new Map(a.entries.map((e) => [e.disclosureId, e]));
    expect([...byId.keys()].sort()).toEqual(['bb-t1', 'bb-x1', 'bb-x4']);
    expect(byId.get('bb-x1')).toMatchObject({
      exempt: true,
      recipientName: ALPHA_NAME,
      recipientAddress: ALPHA_ADDRESS,
      date: '2025-02-01T10:00:00.000Z',
    });
    expect(byId.get('bb-t1')).toMatchObject({ exempt: true, recipientName: 'Blackbox Beta Cloud' });
    expect(byId.get('bb-x4')).toMatchObject({ exempt: true, legalBasis: 'PATIENT_AUTHORIZATION' });
  });

  // "Default period: the last six years."
  it('should default the period to the last six years up to now', async () => {
    const a = await account(P1);
    const to = Date.parse(a.to);
    const from = new Date(a.from);
    expect(Math.abs(to - Date.now())).toBeLessThan(5 * 60_000);
    const sixBack = new Date(to);
    sixBack.setUTCFullYear(sixBack.getUTCFullYear() - 6);
    expect(Math.abs(from.getTime() - sixBack.getTime())).toBeLessThanOrEqual(86_400_000);
  });

  it('should keep only entries inside from and to', async () => {
    const a = await account(P2, '2025-02-02T00:00:00Z', '2025-02-04T00:00:00Z');
    expect(a.entries.map((e) => e.disclosureId).sort()).toEqual(['bb-x2', 'bb-x3']);
  });
});

interface AccessLogNode {
  at: string;
  actor: string;
  roles: string[];
  operation: string;
  patientPseudonym: string;
}

/** The access log entries of one token subject, once `count` of them are there. */
function accessLogOf(sub: string, count: number): Promise<AccessLogNode[]> {
  return eventually(async () => {
    const d = await gql<{ accessLog: Connection<AccessLogNode> }>(
      tok.officer,
      '{ accessLog(first: 500) { edges { node { at actor roles operation patientPseudonym } } } }',
    );
    const mine = d.accessLog.edges.map((e) => e.node).filter((n) => n.actor === sub);
    return mine.length >= count ? mine : undefined;
  }, 10_000);
}

interface Obligation {
  vendor: { vendorId: string };
  studyInstanceUid: string;
  receivedAt: string;
  status: string;
  attestedAt: string | null;
  attestationEventId: string | null;
}
interface DeletionRequest {
  requestId: string;
  requestedAt: string;
  dueBy: string;
  patientPseudonym: string | null;
  legalGround: string | null;
  status: string;
  obligations: Obligation[];
}
const REQUEST_FIELDS = `requestId requestedAt dueBy patientPseudonym legalGround status
  obligations { vendor { vendorId } studyInstanceUid receivedAt status attestedAt attestationEventId }`;
const obligationsOf = (r: DeletionRequest) =>
  r.obligations.map((o) => `${o.vendor.vendorId} ${o.studyInstanceUid} ${o.status}`).sort();
const sorted = (list: string[]): string[] => [...list].sort();

describe('blackbox contract: deletion requests (section 3.1)', () => {
  const request = (token: string, id: string, asOf?: string) =>
    client.send<{ deletionRequest: DeletionRequest | null }>(
      token,
      `query($id: String!, $asOf: DateTime) { deletionRequest(requestId: $id, asOf: $asOf) { ${REQUEST_FIELDS} } }`,
      { id, asOf },
    );

  // Holdings at t_R 2025-03-01: alpha holds D1 (x1); beta holds S1 (x4) and D1 (t1). D1 is
  // properly de-identified: EXEMPT. Beta attested S1 deleted 2025-03-10: FULFILLED.
  it('should give every obligation of a fulfilled request with the attestation', async () => {
    const r = (await request(tok.officer, 'bb-dr1')).data!.deletionRequest!;
    expect(obligationsOf(r)).toEqual(
      sorted([`${ALPHA} ${D1} EXEMPT`, `${BETA} ${D1} EXEMPT`, `${BETA} ${S1} FULFILLED`]),
    );
    expect(r.status).toBe('FULFILLED');
    // "a date closes": dueBy 2025-03-15 ends at 23:59:59.999Z.
    expect(r.dueBy).toBe('2025-03-15T23:59:59.999Z');
    expect(r.requestedAt).toBe('2025-03-01T00:00:00.000Z');
    expect(r.legalGround).toBe('CCPA 1798.105');
    const s1 = r.obligations.find((o) => o.studyInstanceUid === S1)!;
    expect(s1).toMatchObject({
      receivedAt: '2025-02-10T10:00:00.000Z',
      attestedAt: '2025-03-10T00:00:00.000Z',
      attestationEventId: 'bb-del-beta-s1',
    });
    // "both null unless FULFILLED"
    for (const o of r.obligations.filter((x) => x.status !== 'FULFILLED')) {
      expect([o.attestedAt, o.attestationEventId]).toEqual([null, null]);
    }
  });

  // "As of asOf, only events whose time is at or before asOf count": the attestation of
  // 2025-03-10 is not yet there on 2025-03-05.
  it('should show the request open before the attestation', async () => {
    const r = (await request(tok.officer, 'bb-dr1', '2025-03-05T00:00:00Z')).data!.deletionRequest!;
    expect(r.status).toBe('OPEN');
    expect(r.obligations.find((o) => o.studyInstanceUid === S1)?.status).toBe('OPEN');
  });

  // "a request whose time is after asOf does not exist yet (deletionRequest gives null)"
  it('should give null for a request asked about before it was made', async () => {
    const result = await request(tok.officer, 'bb-dr1', '2025-02-28T23:59:59Z');
    expect(result.errors).toBeUndefined();
    expect(result.data?.deletionRequest).toBeNull();
  });

  // P2's holders at t_R: alpha (D2, S2), the unregistered vendor (S2), beta (D2 by t2). D2's
  // latest inspection failed, so not EXEMPT. OPEN up to dueBy's last instant, OVERDUE after.
  it('should turn open obligations overdue only after dueBy closes', async () => {
    const atDue = (await request(tok.officer, 'bb-dr2', '2025-03-15T23:59:59.999Z')).data!
      .deletionRequest!;
    expect(obligationsOf(atDue)).toEqual(
      sorted([
        `${ALPHA} ${D2} OPEN`,
        `${ALPHA} ${S2} OPEN`,
        `${BETA} ${D2} OPEN`,
        `${UNREG} ${S2} OPEN`,
      ]),
    );
    expect(atDue.status).toBe('OPEN');
    const after = (await request(tok.officer, 'bb-dr2', '2025-03-16T00:00:00Z')).data!
      .deletionRequest!;
    expect(after.status).toBe('OVERDUE');
    expect(new Set(after.obligations.map((o) => o.status))).toEqual(new Set(['OVERDUE']));
  });

  // "studies of other patients are ignored"; "FULFILLED when ... (or it has none)"
  it("should ignore another patient's study in the scope and fulfil a request without obligations", async () => {
    const r = (await request(tok.officer, 'bb-dr3')).data!.deletionRequest!;
    expect(r.obligations).toEqual([]);
    expect(r.status).toBe('FULFILLED');
  });

  it('should filter the list by status', async () => {
    const data = await gql<{
      o: Connection<{ requestId: string }>;
      f: Connection<{ requestId: string }>;
    }>(
      tok.auditor,
      `{ o: deletionRequests(status: OVERDUE) { totalCount edges { node { requestId } } }
         f: deletionRequests(status: FULFILLED) { totalCount edges { node { requestId } } } }`,
    );
    expect(data.o.edges.map((e) => e.node.requestId)).toEqual(['bb-dr2']);
    expect(data.f.edges.map((e) => e.node.requestId).sort()).toEqual(['bb-dr1', 'bb-dr3']);
  });

  // "A vendor reads ... the deletion requests that have at least one obligation of its own
  // (any status), showing only its obligations, a request status computed over them, and
  // patientPseudonym null"
  it("should show a vendor only its requests and obligations, without the patient's pseudonym", async () => {
    const data = await gql<{ deletionRequests: Connection<DeletionRequest> }>(
      tok.unreg,
      `{ deletionRequests { totalCount edges { node { ${REQUEST_FIELDS} } } } }`,
    );
    expect(data.deletionRequests.totalCount).toBe(1);
    const r = data.deletionRequests.edges[0].node;
    expect(r.requestId).toBe('bb-dr2');
    expect(obligationsOf(r)).toEqual([`${UNREG} ${S2} OVERDUE`]);
    expect(r.patientPseudonym).toBeNull();
  });

  // Beta's own obligations of dr1 are S1 FULFILLED and D1 EXEMPT: status FULFILLED.
  it("should compute a vendor's request status over its own obligations", async () => {
    const data = await gql<{ deletionRequests: Connection<DeletionRequest> }>(
      tok.beta,
      `{ deletionRequests { totalCount edges { node { ${REQUEST_FIELDS} } } } }`,
    );
    const byId = new Map(data.deletionRequests.edges.map((e) => [e.node.requestId, e.node]));
    expect([...byId.keys()].sort()).toEqual(['bb-dr1', 'bb-dr2']);
    expect(byId.get('bb-dr1')!.status).toBe('FULFILLED');
    expect(obligationsOf(byId.get('bb-dr2')!)).toEqual([`${BETA} ${D2} OVERDUE`]);
  });

  // "naming by id a request or a breach it may not read is FORBIDDEN"
  it('should forbid a vendor a request without an obligation of its own', async () => {
    const result = await request(tok.unreg, 'bb-dr1');
    expect(GraphqlClient.codeOf(result)).toBe('FORBIDDEN');
    expect(result.data?.deletionRequest ?? null).toBeNull();
  });

  // "deletionRequest is recorded in the access log like accountingOfDisclosures, with the
  // request's patient pseudonym (the same one DeletionRequest.patientPseudonym shows)";
  // "actor is the token's sub, operation the GraphQL field asked".
  it('should record deletionRequest and accountingOfDisclosures reads under the pseudonym the request shows', async () => {
    // A subject of its own, so the reads of the tests above cannot stand in for these.
    const sub = 'bb-officer-logged';
    const officer = jwt(settings.authJwtSecret, { sub, roles: ['privacy_officer'], iat: nowS() });
    const before = Date.now();
    const r = (await request(officer, 'bb-dr1')).data!.deletionRequest!;
    await gql(officer, ACCOUNTING, { p: P1 });
    const after = Date.now();
    expect(r.patientPseudonym).toEqual(expect.any(String));
    expect(r.patientPseudonym).not.toContain(P1.value);
    const log = await accessLogOf(sub, 2);
    expect(log.map((n) => [n.operation, n.patientPseudonym, n.roles]).sort()).toEqual([
      ['accountingOfDisclosures', r.patientPseudonym, ['privacy_officer']],
      ['deletionRequest', r.patientPseudonym, ['privacy_officer']],
    ]);
    for (const n of log) {
      expect(Date.parse(n.at)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(n.at)).toBeLessThanOrEqual(after + 1000);
    }
  });
});

interface Breach {
  breachId: string;
  vendor: { vendorId: string; name: string };
  discoveredAt: string;
  exposureFrom: string | null;
  exposureTo: string;
  studiesAffected: number;
  patientsAffected: number;
  patientsToNotify: number;
  individualNoticeDeadline: string;
  hhsNoticeDeadline: string;
  mediaNoticeMayBeRequired: boolean;
  affected: Connection<{
    studyInstanceUid: string;
    patientPseudonym: string | null;
    receivedAt: string;
    deidentified: boolean;
    notificationRequired: boolean;
  }>;
}
const BREACH_FIELDS = `breachId vendor { vendorId name } discoveredAt exposureFrom exposureTo
  studiesAffected patientsAffected patientsToNotify individualNoticeDeadline hhsNoticeDeadline
  mediaNoticeMayBeRequired affected(first: 50) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { studyInstanceUid patientPseudonym receivedAt deidentified notificationRequired } } }`;

describe('blackbox contract: breach reports (section 3.1)', () => {
  const breach = (token: string, id: string) =>
    client.send<{ breachImpact: Breach | null }>(
      token,
      `query($id: String!) { breachImpact(breachId: $id) { ${BREACH_FIELDS} } }`,
      { id },
    );

  // Alpha holds D1 (from x1), D2 (x2) and S2 (x6), none ended. D1 is properly de-identified.
  it("should count a breached vendor's holdings, patients and those to notify", async () => {
    const b = (await breach(tok.officer, 'bb-br1')).data!.breachImpact!;
    expect(b.affected.edges.map((e) => e.node.studyInstanceUid).sort()).toEqual(
      [D1, D2, S2].sort(),
    );
    expect([b.studiesAffected, b.patientsAffected, b.patientsToNotify]).toEqual([3, 2, 1]);
    const d1 = b.affected.edges.find((e) => e.node.studyInstanceUid === D1)!.node;
    expect(d1).toMatchObject({
      deidentified: true,
      notificationRequired: false,
      receivedAt: '2025-02-01T10:00:00.000Z',
    });
    const d2 = b.affected.edges.find((e) => e.node.studyInstanceUid === D2)!.node;
    const s2 = b.affected.edges.find((e) => e.node.studyInstanceUid === S2)!.node;
    expect(d2).toMatchObject({ deidentified: false, notificationRequired: true });
    expect(d2.patientPseudonym).toEqual(expect.any(String));
    expect(s2.patientPseudonym).toBe(d2.patientPseudonym);
  });

  // "discoveredAt (a date means 00:00:00Z of it)"; "exposureTo? (closes; absent:
  // discoveredAt)"; individual + 60 days; HHS: 60th day after Dec 31 2025 = 2026-03-01.
  it('should derive the dates and deadlines of a breach discovered on a date', async () => {
    const b = (await breach(tok.auditor, 'bb-br1')).data!.breachImpact!;
    expect(b).toMatchObject({
      vendor: { vendorId: ALPHA, name: ALPHA_NAME },
      discoveredAt: '2025-06-10T00:00:00.000Z',
      exposureFrom: '2025-01-01T00:00:00.000Z',
      exposureTo: '2025-06-10T00:00:00.000Z',
      individualNoticeDeadline: '2025-08-09T00:00:00.000Z',
      hhsNoticeDeadline: '2026-03-01T23:59:59.999Z',
      mediaNoticeMayBeRequired: false,
    });
  });

  // A holding [r, d) overlaps when it ends "after exposureFrom": beta's S1 ended exactly
  // at it; affectedTargets limits the breach to S1. HHS: 2028 is a leap year (Feb 29).
  it('should leave out a holding that ended at exposureFrom and use the leap-year HHS deadline', async () => {
    const b = (await breach(tok.officer, 'bb-br2')).data!.breachImpact!;
    expect([b.studiesAffected, b.patientsAffected, b.patientsToNotify]).toEqual([0, 0, 0]);
    expect(b.affected.totalCount).toBe(0);
    expect(b.exposureTo).toBe('2027-05-01T12:00:00.000Z');
    expect(b.individualNoticeDeadline).toBe('2027-06-30T12:00:00.000Z');
    expect(b.hhsNoticeDeadline).toBe('2028-02-29T23:59:59.999Z');
  });

  // Beta's S1 holding [02-10, 03-10) ends after exposureFrom 03-09; D1, D2 still held.
  it('should count a holding that ended inside the exposure window', async () => {
    const b = (await breach(tok.officer, 'bb-br3')).data!.breachImpact!;
    expect(b.affected.edges.map((e) => e.node.studyInstanceUid).sort()).toEqual(
      [D1, D2, S1].sort(),
    );
    expect([b.studiesAffected, b.patientsAffected, b.patientsToNotify]).toEqual([3, 2, 2]);
  });

  // "A vendor reads ... the breach reports of itself, with patientPseudonym null".
  it('should list a vendor only its own breaches without pseudonyms', async () => {
    const data = await gql<{ breaches: Connection<Breach> }>(
      tok.beta,
      `{ breaches(first: 1) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${BREACH_FIELDS} } } } }`,
    );
    expect(data.breaches.totalCount).toBe(2);
    expect(data.breaches.pageInfo.hasNextPage).toBe(true);
    const next = await gql<{ breaches: Connection<Breach> }>(
      tok.beta,
      `query($a: String) { breaches(first: 1, after: $a) { totalCount pageInfo { hasNextPage } edges { node { ${BREACH_FIELDS} } } } }`,
      { a: data.breaches.pageInfo.endCursor },
    );
    expect(next.breaches.pageInfo.hasNextPage).toBe(false);
    const ids = [...data.breaches.edges, ...next.breaches.edges].map((e) => e.node.breachId).sort();
    expect(ids).toEqual(['bb-br2', 'bb-br3']);
    const pseudonyms = next.breaches.edges
      .concat(data.breaches.edges)
      .flatMap((e) => e.node.affected.edges.map((a) => a.node.patientPseudonym));
    expect(pseudonyms.length).toBeGreaterThan(0);
    expect(new Set(pseudonyms)).toEqual(new Set([null]));
  });

  it("should forbid a vendor another vendor's breach", async () => {
    const result = await breach(tok.beta, 'bb-br1');
    expect(GraphqlClient.codeOf(result)).toBe('FORBIDDEN');
    expect(result.data?.breachImpact ?? null).toBeNull();
  });
});

describe('blackbox contract: vendors and roles (section 3)', () => {
  // "A vendor never registered appears (here and in v1 types) with its id as name, no
  // address, role OTHER."
  it('should describe a never-registered vendor by its id with role OTHER', async () => {
    const data = await gql<{
      vendor: {
        name: string;
        address: string | null;
        role: string;
        studiesReceived: number;
        patientsAffected: number;
      };
    }>(
      tok.auditor,
      `query($v: String!) { vendor(vendorId: $v) { name address role studiesReceived patientsAffected } }`,
      { v: UNREG },
    );
    expect(data.vendor).toEqual({
      name: UNREG,
      address: null,
      role: 'OTHER',
      studiesReceived: 1,
      patientsAffected: 1,
    });
  });

  // "vendor (only what concerns the vendor in claim vendorId: lists are filtered to it;
  // naming another vendor, a patient's accounting, the quarantine or the access log is
  // FORBIDDEN)"
  it.each([
    ['another vendor', `{ vendor(vendorId: "${BETA}") { name } }`],
    ['findings of another vendor', `{ findings(vendorId: "${BETA}") { totalCount } }`],
    [
      'a patient accounting',
      `{ accountingOfDisclosures(patient: { system: "${SYSTEM}", value: "${P1.value}" }) { from } }`,
    ],
    ['the quarantine', '{ quarantine { totalCount } }'],
    ['the access log', '{ accessLog { totalCount } }'],
  ])('should answer FORBIDDEN to a vendor asking for %s', async (_what, query) => {
    const result = await client.send(tok.alpha, query);
    expect(result.status).toBe(200);
    expect(GraphqlClient.codeOf(result)).toBe('FORBIDDEN');
  });

  it('should give a vendor its own vendor and findings only', async () => {
    const data = await gql<{
      vendors: Connection<{ vendorId: string }>;
      findings: Connection<{ vendorId: string }>;
    }>(
      tok.alpha,
      '{ vendors { totalCount edges { node { vendorId } } } findings { totalCount edges { node { vendorId } } } }',
    );
    expect(data.vendors.edges.map((e) => e.node.vendorId)).toEqual([ALPHA]);
    expect(data.vendors.totalCount).toBe(1);
    expect(data.findings.totalCount).toBe(4);
    expect(new Set(data.findings.edges.map((e) => e.node.vendorId))).toEqual(new Set([ALPHA]));
  });

  // "auditor (everything but clear patient identifiers and the access log)"
  it('should forbid the auditor the access log', async () => {
    const result = await client.send(tok.auditor, '{ accessLog { totalCount } }');
    expect(GraphqlClient.codeOf(result)).toBe('FORBIDDEN');
  });
});

describe('blackbox contract: lineage (section 3)', () => {
  // "a model belongs to it only if its target was that study, a derivative, ..."
  it('should trace S1 to its derivative, recipients, onward transfer and model', async () => {
    const data = await gql<{
      trace: {
        nodes: { id: string; kind: string }[];
        edges: { from: string; to: string; kind: string; eventId: string }[];
      };
    }>(
      tok.auditor,
      `query($u: String!) { trace(studyInstanceUid: $u) { nodes { id kind } edges { from to kind eventId } } }`,
      { u: S1 },
    );
    const edges = data.trace.edges.map((e) => `${e.kind} ${e.from} ${e.to} ${e.eventId}`).sort();
    expect(edges).toEqual(
      [
        `DERIVED ${S1} ${D1} bb-d1`,
        `DISCLOSED ${D1} ${ALPHA} bb-x1`,
        `DISCLOSED ${S1} ${BETA} bb-x4`,
        `ONWARD_TRANSFER ${ALPHA} ${BETA} bb-t1`,
        `TRAINED ${D1} ${MODEL} bb-m1`,
        `DELETED ${S1} ${BETA} bb-del-beta-s1`,
      ].sort(),
    );
    expect(data.trace.nodes.map((n) => `${n.kind} ${n.id}`).sort()).toEqual(
      [`STUDY ${S1}`, `STUDY ${D1}`, `VENDOR ${ALPHA}`, `VENDOR ${BETA}`, `MODEL ${MODEL}`].sort(),
    );
  });
});

// ------------------------------------------------------------- phase 2: late and edge events

const P3 = { system: SYSTEM, value: 'MRN-BBX-0003' };
const P5 = { system: SYSTEM, value: 'MRN-BBX-0005' };
const P6 = { system: SYSTEM, value: 'MRN-BBX-0006' };
const uid = (n: string) => `1.2.826.0.1.3680043.10.2000.${n}`;
const S3 = uid('3');
const S3D = uid('3.9');
const S4D = uid('4.9');
const S4E = uid('4.8');
const S5 = uid('5');
const S6 = uid('6');
const S7 = uid('7');
const DS1 = 'bb2-ds1';
const DSB = 'bb2-ds-big';
const BIG = Array.from({ length: 501 }, (_, i) => uid(`100.${i}`));

const study = (id: string, studyUid: string, patient: typeof P1, time: string): CloudEvent =>
  ce(id, 'study.registered', time, studyUid, {
    studyInstanceUid: studyUid,
    patient,
    modality: 'CR',
    bodyPart: 'CHEST',
    studyDate: time.slice(0, 10),
    facility: 'Blackbox General',
  });
const derive = (id: string, source: string, derived: string): CloudEvent =>
  ce(id, 'study.deidentified', '2025-03-25T00:00:00Z', source, {
    sourceStudyInstanceUid: source,
    derivedStudyInstanceUid: derived,
    methodCodes: ['113100'],
    tool: { name: 'bb-anon', version: '1.0' },
  });
const attest = (id: string, time: string, vendorId: string, target: Record<string, string>) =>
  ce(id, 'deletion.attested', time, target.studyInstanceUid ?? target.datasetId, {
    vendorId,
    target,
  });
const breachOf = (id: string, vendorId: string, discoveredAt: string, extra: object) =>
  ce(id, 'breach.reported', `${discoveredAt}T12:00:00Z`, id, {
    breachId: id,
    vendorId,
    discoveredAt,
    ...extra,
  });
const request = (id: string, time: string, patient: typeof P1, dueBy: string) =>
  ce(id, 'deletion.requested', time, id, { requestId: id, patient, dueBy });

const F = {
  s3: study('bb2-s3', S3, P3, '2025-03-20T00:00:00Z'),
  s3d: derive('bb2-s3d', S3, S3D),
  s7: study('bb2-s7', S7, P3, '2025-03-21T00:00:00Z'),
  ds1: ce('bb2-ds1-a', 'dataset.assembled', '2025-04-01T00:00:00Z', DS1, {
    datasetId: DS1,
    name: 'chest set',
    studyInstanceUids: [S3D],
  }),
  xd: ce('bb2-xd', 'disclosure.recorded', '2025-04-05T00:00:00Z', DS1, {
    disclosureId: 'bb2-xd',
    recipientVendorId: ALPHA,
    target: { datasetId: DS1 },
    purpose: 'AI_TRAINING',
    legalBasis: 'DEIDENTIFIED',
  }),
  dr4: request('bb2-dr4', '2025-04-10T00:00:00Z', P3, '2025-04-30'),
  delDs1: attest('bb2-del-ds1', '2025-04-20T00:00:00Z', ALPHA, { datasetId: DS1 }),
  ds1Join: ce('bb2-ds1-b', 'dataset.assembled', '2025-04-25T00:00:00Z', DS1, {
    datasetId: DS1,
    name: 'chest set',
    studyInstanceUids: [S7],
  }),
  // Alpha held S3D [04-05, 04-20); S7 joined DS1 after alpha got it: never alpha's.
  br6: breachOf('bb2-br6', ALPHA, '2025-04-30', {
    exposureFrom: '2025-04-01',
    affectedTargets: [{ datasetId: DS1 }],
  }),
  // Two inspections of one study at one time: the later ledger sequence is the latest.
  s4d: derive('bb2-s4d', S3, S4D),
  s4e: derive('bb2-s4e', S3, S4E),
  insp4dPass: inspection('bb2-insp-4d-a', '2025-03-26T00:00:00Z', S4D, 'PASS'),
  insp4dFail: inspection('bb2-insp-4d-b', '2025-03-26T00:00:00Z', S4D, 'FAIL', {
    issues: FAIL_ISSUES,
  }),
  insp4eFail: inspection('bb2-insp-4e-a', '2025-03-26T00:00:00Z', S4E, 'FAIL', {
    issues: FAIL_ISSUES,
  }),
  insp4ePass: inspection('bb2-insp-4e-b', '2025-03-26T00:00:00Z', S4E, 'PASS'),
  x4d: disclosure('bb2-x4d', '2025-04-06T00:00:00Z', S4D, ALPHA, 'AI_TRAINING', 'DEIDENTIFIED'),
  x4e: disclosure('bb2-x4e', '2025-04-06T00:00:00Z', S4E, ALPHA, 'AI_TRAINING', 'DEIDENTIFIED'),
  // Received and attested deleted at the same instant (one written with an offset): the
  // holding period [r, d) is empty, so beta never held S5.
  s5: study('bb2-s5', S5, P5, '2025-04-01T00:00:00Z'),
  x5: disclosure('bb2-x5', '2025-05-01T02:00:00+02:00', S5, BETA, 'TREATMENT', 'TREATMENT'),
  del5: attest('bb2-del5', '2025-05-01T00:00:00Z', BETA, { studyInstanceUid: S5 }),
  dr5: request('bb2-dr5', '2025-05-02T00:00:00Z', P5, '2025-05-10'),
  // Alpha holds S6, deletes it after the request, then receives it again.
  s6: study('bb2-s6', S6, P6, '2025-04-01T00:00:00Z'),
  x6a: disclosure('bb2-x6a', '2025-05-01T00:00:00Z', S6, ALPHA, 'TREATMENT', 'TREATMENT'),
  dr6: request('bb2-dr6', '2025-05-10T00:00:00Z', P6, '2025-05-31'),
  del6: attest('bb2-del6', '2025-05-12T00:00:00Z', ALPHA, { studyInstanceUid: S6 }),
  x6b: disclosure('bb2-x6b', '2025-05-20T00:00:00Z', S6, ALPHA, 'TREATMENT', 'TREATMENT'),
  br7: breachOf('bb2-br7', ALPHA, '2025-06-01', {
    exposureFrom: '2025-05-01',
    affectedTargets: [{ studyInstanceUid: S6 }],
  }),
  // 501 patients' studies in one dataset given to beta: the 500 thresholds of 164.406/408.
  big: BIG.map((u, i) =>
    study(`bb2-big-${i}`, u, { system: SYSTEM, value: `MRN-BBX-B${i}` }, '2025-06-01T00:00:00Z'),
  ),
  dsb: [BIG.slice(0, 500), BIG.slice(500)].map((members, i) =>
    ce(`bb2-dsb-${i}`, 'dataset.assembled', '2025-06-30T00:00:00Z', DSB, {
      datasetId: DSB,
      name: 'big set',
      studyInstanceUids: members,
    }),
  ),
  xb: ce('bb2-xb', 'disclosure.recorded', '2025-07-01T00:00:00Z', DSB, {
    disclosureId: 'bb2-xb',
    recipientVendorId: BETA,
    target: { datasetId: DSB },
    purpose: 'TREATMENT',
    legalBasis: 'TREATMENT',
  }),
  brBig: [501, 500, 499].map((n) =>
    breachOf(`bb2-br-big-${n}`, BETA, '2025-07-10', {
      exposureFrom: '2025-07-01',
      affectedTargets:
        n === 501 ? [{ datasetId: DSB }] : BIG.slice(0, n).map((u) => ({ studyInstanceUid: u })),
    }),
  ),
  // Arrives last, on S3D's own partition, long after the dataset's disclosure was judged.
  lateInspection: inspection('bb2-insp-3d', '2025-03-26T00:00:00Z', S3D, 'FAIL', {
    issues: [{ code: 'PRIVATE_ATTRIBUTES_RETAINED', instances: 2, tag: '0009,0010' }],
    patientIdentifiersFound: [{ system: 'urn:other:registry', value: P3.value }],
  }),
};

describe('blackbox contract: late and edge events (sections 2, 3.1)', () => {
  beforeAll(async () => {
    const { lateInspection: _late, big, dsb, brBig, ...rest } = F;
    await publish(big.map(asMessage));
    await publish([...Object.values(rest), ...dsb, ...brBig].map(asMessage));
    await settle();
  }, 120_000);

  const breach = (id: string, first = 100, after?: string) =>
    gql<{ breachImpact: Breach }>(
      tok.officer,
      `query($id: String!, $first: Int, $after: String) { breachImpact(breachId: $id) {
         ${BREACH_FIELDS.replace('affected(first: 50)', 'affected(first: $first, after: $after)')} } }`,
      { id, first, after },
    ).then((d) => d.breachImpact);
  const deletion = (id: string) =>
    gql<{ deletionRequest: DeletionRequest }>(
      tok.officer,
      `query($id: String!) { deletionRequest(requestId: $id) { ${REQUEST_FIELDS} } }`,
      { id },
    ).then((d) => d.deletionRequest);
  const accountingEntry = async (p: typeof P1, disclosureId: string) => {
    const d = await gql<{ accountingOfDisclosures: { entries: AccountingEntry[] } }>(
      tok.officer,
      ACCOUNTING,
      { p },
    );
    return d.accountingOfDisclosures.entries.filter((e) => e.disclosureId === disclosureId);
  };

  // "its inspection with the latest time; ties: the later ledger sequence"
  it('should take the later ledger sequence as the latest of two inspections at one time', async () => {
    expect(await findingCodes('bb2-x4d', S4D)).toEqual(['DEIDENTIFICATION_FAILED']);
    expect(await findingCodes('bb2-x4e', S4E)).toEqual([]);
  });

  // Times are RFC 3339: +02:00 is read as UTC two hours earlier.
  it('should read an event time with an offset as the UTC instant', async () => {
    const [entry] = await accountingEntry(P5, 'bb2-x5');
    expect(entry.date).toBe('2025-05-01T00:00:00.000Z');
  });

  // "it is empty when d = r"; "FULFILLED when every obligation is ... (or it has none)".
  it('should not obligate a vendor whose holding was empty', async () => {
    const r = await deletion('bb2-dr5');
    expect(r.obligations).toEqual([]);
    expect(r.status).toBe('FULFILLED');
  });

  // "it stays FULFILLED if the vendor receives the study again later"
  it('should keep an obligation fulfilled when the vendor receives the study again', async () => {
    const r = await deletion('bb2-dr6');
    expect(obligationsOf(r)).toEqual([`${ALPHA} ${S6} FULFILLED`]);
    expect(r.obligations[0]).toMatchObject({
      receivedAt: '2025-05-01T00:00:00.000Z',
      attestedAt: '2025-05-12T00:00:00.000Z',
      attestationEventId: 'bb2-del6',
    });
  });

  // "receivedAt: the latest such start"
  it('should give a breach the latest start of the overlapping holdings', async () => {
    const b = await breach('bb2-br7');
    expect(b.affected.edges.map((e) => [e.node.studyInstanceUid, e.node.receivedAt])).toEqual([
      [S6, '2025-05-20T00:00:00.000Z'],
    ]);
  });

  // "A deletion attestation ... covers the study when its target is ... a dataset holding it
  // at d"; a dataset target of a breach: "its members at exposureTo", limited to holdings.
  it('should fulfil and bound holdings by a dataset attestation', async () => {
    const r = await deletion('bb2-dr4');
    // S4D and S4E derive from S3 too: S4D's latest inspection (the tie) failed, so it is
    // not exempt and its due date has passed; S4E's latest passed.
    expect(obligationsOf(r)).toEqual(
      sorted([`${ALPHA} ${S3D} FULFILLED`, `${ALPHA} ${S4D} OVERDUE`, `${ALPHA} ${S4E} EXEMPT`]),
    );
    expect(r.obligations.find((o) => o.studyInstanceUid === S3D)?.attestationEventId).toBe(
      'bb2-del-ds1',
    );
    const b = await breach('bb2-br6');
    expect(b.affected.edges.map((e) => e.node.studyInstanceUid)).toEqual([S3D]);
    expect(b.affected.edges[0].node).toMatchObject({
      receivedAt: '2025-04-05T00:00:00.000Z',
      deidentified: true,
    });
  });

  // hhsNoticeDeadline: discoveredAt + 60 days "when patientsToNotify >= 500, else" the
  // annual one; mediaNoticeMayBeRequired "= patientsToNotify > 500".
  it.each([
    [501, '2025-09-08T00:00:00.000Z', true],
    [500, '2025-09-08T00:00:00.000Z', false],
    [499, '2026-03-01T23:59:59.999Z', false],
  ])('should apply the 500 thresholds to %i patients', async (n, hhs, media) => {
    const b = await breach(`bb2-br-big-${n}`, 1);
    expect([b.studiesAffected, b.patientsAffected, b.patientsToNotify]).toEqual([n, n, n]);
    expect(b.individualNoticeDeadline).toBe('2025-09-08T00:00:00.000Z');
    expect(b.hhsNoticeDeadline).toBe(hhs);
    expect(b.mediaNoticeMayBeRequired).toBe(media);
  });

  // Relay connections: first/after, totalCount, pageInfo.
  it('should page the 501 affected studies without loss or repetition', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const b = await breach('bb2-br-big-501', 200, after);
      expect(b.affected.totalCount).toBe(501);
      seen.push(...b.affected.edges.map((e) => e.node.studyInstanceUid));
      if (!b.affected.pageInfo.hasNextPage) break;
      after = b.affected.pageInfo.endCursor!;
    }
    expect(seen).toHaveLength(501);
    expect(new Set(seen)).toEqual(new Set(BIG));
  });

  describe('after a late failed inspection', () => {
    let before: { codes: string[]; exempt: boolean[]; deidentified: boolean };
    beforeAll(async () => {
      before = {
        codes: await findingCodes('bb2-xd', S3D),
        exempt: (await accountingEntry(P3, 'bb2-xd')).map((e) => e.exempt),
        deidentified: (await breach('bb2-br6')).affected.edges[0].node.deidentified,
      };
      await publish([asMessage(F.lateInspection)]);
      await settle();
    }, 120_000);

    // "A dataset member is judged as the study it is"; the finding "even when a later event
    // ... caused it" carries the disclosure's event; PATIENT_IDENTIFIABLE needs the same system.
    it("should flag the dataset disclosure once the member's failed inspection arrives", async () => {
      expect(before.codes).toEqual([]);
      expect(await findingCodes('bb2-xd', S3D)).toEqual(['DEIDENTIFICATION_FAILED']);
    });

    it('should withdraw the exemption of the accounting entry', async () => {
      expect(before.exempt).toEqual([true]);
      const entries = await accountingEntry(P3, 'bb2-xd');
      expect(entries.map((e) => [e.studyInstanceUid, e.exempt])).toEqual([[S3D, false]]);
    });

    // "deidentified: the study is a properly de-identified derivative (all events count,
    // whatever their time)"
    it('should require notification for the member in the breach', async () => {
      expect(before.deidentified).toBe(true);
      const b = await breach('bb2-br6');
      expect(b.affected.edges[0].node).toMatchObject({
        deidentified: false,
        notificationRequired: true,
      });
      expect(b.patientsToNotify).toBe(1);
    });
  });
});

describe('blackbox contract: what a vendor and a trace see (section 3, 3.1)', () => {
  beforeAll(async () => {
    // Beta deletes D2 after P2's request: its own obligation of bb-dr2 is then fulfilled,
    // while the request stays overdue for the others.
    await publish([
      asMessage(attest('bb3-del-beta-d2', '2025-03-05T00:00:00Z', BETA, { studyInstanceUid: D2 })),
    ]);
    await settle();
  }, 120_000);

  const listed = (token: string, filter: string) =>
    gql<{ deletionRequests: Connection<{ requestId: string; status: string }> }>(
      token,
      `{ deletionRequests(${filter}) { totalCount edges { node { requestId status } } } }`,
    ).then((d) =>
      d.deletionRequests.edges.map((e) => `${e.node.requestId} ${e.node.status}`).sort(),
    );

  // A vendor sees "a request status computed over" its obligations; the status filter of its
  // list is taken to select by that status, the one it is shown.
  it("should filter a vendor's requests by the status computed over its own obligations", async () => {
    expect(await listed(tok.officer, 'status: OVERDUE')).toContain('bb-dr2 OVERDUE');
    expect(await listed(tok.beta, 'first: 50')).toEqual(['bb-dr1 FULFILLED', 'bb-dr2 FULFILLED']);
    expect(await listed(tok.beta, 'status: FULFILLED')).toEqual([
      'bb-dr1 FULFILLED',
      'bb-dr2 FULFILLED',
    ]);
    expect(await listed(tok.beta, 'status: OVERDUE')).toEqual([]);
  });

  // "a request whose time is after asOf does not exist yet (... deletionRequests leaves it out)"
  it('should leave requests made after asOf out of the list', async () => {
    expect(await listed(tok.auditor, 'asOf: "2025-03-01T12:00:00Z"')).toEqual([
      'bb-dr1 OPEN',
      'bb-dr2 OPEN',
    ]);
  });

  // Status and asOf together: on 2025-03-05 bb-dr1 and bb-dr2 were open, bb-dr3 (no
  // obligation) fulfilled.
  it('should filter by the status as of asOf', async () => {
    expect(await listed(tok.auditor, 'status: OPEN, asOf: "2025-03-05T00:00:00Z"')).toEqual([
      'bb-dr1 OPEN',
      'bb-dr2 OPEN',
    ]);
  });

  // Relay connections: "first/after, totalCount, pageInfo".
  it('should page deletion requests two at a time without loss or repetition', async () => {
    const all = await listed(tok.officer, 'first: 100');
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const d: { deletionRequests: Connection<{ requestId: string; status: string }> } = await gql(
        tok.officer,
        `query($a: String) { deletionRequests(first: 2, after: $a) { totalCount
           pageInfo { hasNextPage endCursor } edges { node { requestId status } } } }`,
        { a: after },
      );
      expect(d.deletionRequests.totalCount).toBe(all.length);
      seen.push(...d.deletionRequests.edges.map((e) => `${e.node.requestId} ${e.node.status}`));
      after = d.deletionRequests.pageInfo.hasNextPage
        ? d.deletionRequests.pageInfo.endCursor
        : null;
    } while (after !== null && seen.length <= all.length);
    expect(seen.sort()).toEqual(all);
  });

  // "deletionRequest is recorded in the access log like accountingOfDisclosures, with the
  // request's patient pseudonym": also when a vendor, shown no pseudonym, reads it.
  it("should log a vendor's read of a request under the request's patient pseudonym", async () => {
    const sub = 'bb-beta-logged';
    const beta = jwt(settings.authJwtSecret, {
      sub,
      roles: ['vendor'],
      vendorId: BETA,
      iat: nowS(),
    });
    const q = `query($id: String!) { deletionRequest(requestId: $id) { patientPseudonym } }`;
    const seen = await gql<{ deletionRequest: { patientPseudonym: string | null } }>(beta, q, {
      id: 'bb-dr1',
    });
    expect(seen.deletionRequest.patientPseudonym).toBeNull();
    const officerView = await gql<{ deletionRequest: { patientPseudonym: string } }>(
      tok.officer,
      q,
      { id: 'bb-dr1' },
    );
    const entries = await accessLogOf(sub, 1);
    expect(entries.map((n) => [n.actor, n.operation, n.patientPseudonym])).toEqual([
      [sub, 'deletionRequest', officerView.deletionRequest.patientPseudonym],
    ]);
  });

  // "A vendor never registered appears (here and in v1 types) with its id as name".
  it('should show a never-registered vendor its own vendor record', async () => {
    const d = await gql<{ vendor: { vendorId: string; name: string; role: string } }>(
      tok.unreg,
      `{ vendor(vendorId: "${UNREG}") { vendorId name role } }`,
    );
    expect(d.vendor).toEqual({ vendorId: UNREG, name: UNREG, role: 'OTHER' });
  });

  // "trace returns the nodes and edges that carried the study"; "A disclosure ... of a
  // dataset at t carries the members added at or before t": DS1 went to alpha (04-05) and
  // was deleted by it (04-20) before S7 joined (04-25), so neither carried S7.
  it('should not trace a study to a dataset disclosure made before it joined', async () => {
    const data = await gql<{
      trace: {
        nodes: { id: string; kind: string }[];
        edges: { from: string; to: string; kind: string }[];
      };
    }>(
      tok.auditor,
      `query($u: String!) { trace(studyInstanceUid: $u) { nodes { id kind } edges { from to kind } } }`,
      { u: S7 },
    );
    expect(data.trace.edges.map((e) => `${e.kind} ${e.from} ${e.to}`)).toEqual([
      `MEMBER_OF ${S7} ${DS1}`,
    ]);
    expect(data.trace.nodes.map((n) => `${n.kind} ${n.id}`).sort()).toEqual(
      [`STUDY ${S7}`, `DATASET ${DS1}`].sort(),
    );
  });
});

const P8 = { system: SYSTEM, value: 'MRN-BBX-0008' };
const P9 = { system: SYSTEM, value: 'MRN-BBX-0009' };
const S8 = uid('8');
const S8D = uid('8.9');
const S9 = uid('9');
const S9D = uid('9.9');

describe('blackbox contract: inspections that count whatever their time (sections 2, 3.1)', () => {
  beforeAll(async () => {
    await publish(
      [
        study('bb4-s8', S8, P8, '2025-03-01T00:00:00Z'),
        study('bb4-s9', S9, P9, '2025-03-01T00:00:00Z'),
        derive('bb4-s8d', S8, S8D),
        derive('bb4-s9d', S9, S9D),
        // PASS, yet it found the patient's own identifier.
        inspection('bb4-insp8', '2025-03-26T00:00:00Z', S8D, 'PASS', {
          patientIdentifiersFound: [P8],
        }),
        disclosure('bb4-x8', '2025-04-07T00:00:00Z', S8D, ALPHA, 'AI_TRAINING', 'DEIDENTIFIED'),
        disclosure('bb4-x8t', '2025-04-08T00:00:00Z', S8D, BETA, 'TREATMENT', 'TREATMENT'),
        disclosure('bb4-x9', '2025-04-01T00:00:00Z', S9D, ALPHA, 'AI_TRAINING', 'DEIDENTIFIED'),
        request('bb4-dr9', '2025-05-01T00:00:00Z', P9, '2025-05-31'),
        // Read months after the disclosure and after the request.
        inspection('bb4-insp9', '2025-12-01T00:00:00Z', S9D, 'FAIL', { issues: FAIL_ISSUES }),
        breachOf('bb4-br9', ALPHA, '2025-06-15', {
          exposureFrom: '2025-04-01',
          affectedTargets: [{ studyInstanceUid: S8D }, { studyInstanceUid: S9D }],
        }),
      ].map(asMessage),
    );
    await settle();
  }, 120_000);

  // PATIENT_IDENTIFIABLE: "its latest inspection found an identifier of the derivative's
  // patient ..., whatever the basis"; DEIDENTIFICATION_FAILED needs a FAIL.
  it('should flag a passed inspection that found the patient, whatever the basis', async () => {
    expect(await findingCodes('bb4-x8')).toEqual(['PATIENT_IDENTIFIABLE']);
    expect(await findingCodes('bb4-x8t')).toEqual(['PATIENT_IDENTIFIABLE']);
  });

  // exempt: "(the last two: v1.1; they change exempt only for basis DEIDENTIFIED)"
  it('should change exempt for the DEIDENTIFIED basis only', async () => {
    const d = await gql<{ accountingOfDisclosures: { entries: AccountingEntry[] } }>(
      tok.officer,
      ACCOUNTING,
      { p: P8 },
    );
    const exempt = d.accountingOfDisclosures.entries.map((e) => [e.disclosureId, e.exempt]).sort();
    expect(exempt).toEqual([
      ['bb4-x8', false],
      ['bb4-x8t', true],
    ]);
  });

  // "Inspections hold whatever their time: files of a study do not change after it is made."
  it('should apply an inspection dated after the disclosure', async () => {
    expect(await findingCodes('bb4-x9')).toEqual(['DEIDENTIFICATION_FAILED']);
  });

  // "As of asOf, only events whose time is at or before asOf count, inspections ... included"
  it.each([
    ['2025-06-01T00:00:00Z', 'EXEMPT', 'FULFILLED'],
    ['2025-11-30T23:59:59.999Z', 'EXEMPT', 'FULFILLED'],
    ['2025-12-01T00:00:00Z', 'OVERDUE', 'OVERDUE'],
  ])('should judge the obligation as of %s by the inspections known then', async (asOf, o, r) => {
    const d = await gql<{ deletionRequest: DeletionRequest }>(
      tok.officer,
      `query($a: DateTime) { deletionRequest(requestId: "bb4-dr9", asOf: $a) { ${REQUEST_FIELDS} } }`,
      { a: asOf },
    );
    expect(obligationsOf(d.deletionRequest)).toEqual([`${ALPHA} ${S9D} ${o}`]);
    expect(d.deletionRequest.status).toBe(r);
  });

  // Breach "deidentified: ... (all events count, whatever their time)"; "properly
  // de-identified" also needs no identifier of its patient found.
  it('should count both derivatives as identifiable in a breach discovered before the inspection', async () => {
    const d = await gql<{ breachImpact: Breach }>(
      tok.officer,
      `{ breachImpact(breachId: "bb4-br9") { ${BREACH_FIELDS} } }`,
    );
    const nodes = d.breachImpact.affected.edges.map((e) => e.node);
    expect(nodes.map((n) => [n.studyInstanceUid, n.deidentified]).sort()).toEqual(
      [
        [S8D, false],
        [S9D, false],
      ].sort(),
    );
    expect(d.breachImpact.patientsToNotify).toBe(2);
  });
});

const P10 = { system: SYSTEM, value: 'MRN-BBX-0010' };
const S10 = uid('10');
const S10D = uid('10.9');

describe('blackbox contract: times a millisecond apart (sections 1, 2)', () => {
  beforeAll(async () => {
    await publish(
      [
        study('bb5-s10', S10, P10, '2025-03-01T00:00:00Z'),
        derive('bb5-s10d', S10, S10D),
        // The later in time comes first in the log: only the fraction tells them apart.
        inspection('bb5-insp-late', '2025-03-26T00:00:00.002Z', S10D, 'FAIL', {
          issues: FAIL_ISSUES,
        }),
        inspection('bb5-insp-early', '2025-03-26T00:00:00.001Z', S10D, 'PASS'),
        disclosure('bb5-x10', '2025-04-01T00:00:00Z', S10D, ALPHA, 'AI_TRAINING', 'DEIDENTIFIED'),
        ce('bb5-c10', 'consent.recorded', '2025-03-01T00:00:00Z', 'bb5-c10', {
          consentId: 'bb5-c10',
          patient: P10,
          decision: 'PERMIT',
          purposes: ['RESEARCH'],
          validFrom: '2025-03-01',
          validUntil: '2025-04-02T00:00:00.005Z',
        }),
        // 1 ms after the consent ended.
        disclosure(
          'bb5-x10b',
          '2025-04-02T00:00:00.006Z',
          S10,
          ALPHA,
          'RESEARCH',
          'PATIENT_AUTHORIZATION',
        ),
      ].map(asMessage),
    );
    await settle();
  }, 120_000);

  // "time (RFC 3339 ...)"; "latest inspection ... with the latest time; ties: the later
  // ledger sequence": .002 s is later than .001 s, not a tie. (The product keeps
  // milliseconds only: a tenth of one apart would tie; see docs/architecture.md.)
  it('should order inspections by the full precision of their times', async () => {
    expect(await findingCodes('bb5-x10')).toEqual(['DEIDENTIFICATION_FAILED']);
  });

  // "in force at t when validFrom <= t <= validUntil"
  it('should end a consent at its exact validUntil', async () => {
    expect(await findingCodes('bb5-x10b')).toEqual(['CONSENT_EXPIRED']);
  });
});

const P11 = { system: SYSTEM, value: 'MRN-BBX-0011' };
const S11 = uid('11');
const S12 = uid('12');
/** Code point order, not UTF-16 (JavaScript's) nor a locale's (PostgreSQL's en_US). */
const CODE_POINT_FIRST = { [S11]: 'bb6-att-Z', [S12]: 'bb6-att-\uE000' };
const CODE_POINT_LAST = { [S11]: 'bb6-att-a', [S12]: 'bb6-att-\u{1F600}' };

describe('blackbox contract: attestations at one instant (section 3.1)', () => {
  beforeAll(async () => {
    const events: CloudEvent[] = [];
    for (const s of [S11, S12]) {
      events.push(
        study(`bb6-${s}`, s, P11, '2025-04-01T00:00:00Z'),
        disclosure(`bb6-x-${s}`, '2025-05-01T00:00:00Z', s, BETA, 'TREATMENT', 'TREATMENT'),
        attest(CODE_POINT_LAST[s], '2025-05-05T00:00:00Z', BETA, { studyInstanceUid: s }),
        attest(CODE_POINT_FIRST[s], '2025-05-05T00:00:00Z', BETA, { studyInstanceUid: s }),
      );
    }
    events.push(request('bb6-dr11', '2025-05-02T00:00:00Z', P11, '2025-05-30'));
    await publish(events.map(asMessage));
    await settle();
  }, 120_000);

  // "attestedAt, attestationEventId: the earliest such; ties: the smaller event id by code
  // point"
  it('should name the attestation with the smaller id by code point', async () => {
    const d = await gql<{ deletionRequest: DeletionRequest }>(
      tok.officer,
      `{ deletionRequest(requestId: "bb6-dr11") { ${REQUEST_FIELDS} } }`,
    );
    const named = Object.fromEntries(
      d.deletionRequest.obligations.map((o) => [o.studyInstanceUid, o.attestationEventId]),
    );
    expect(named).toEqual(CODE_POINT_FIRST);
  });
});

describe('blackbox contract: period bounds, scopes and dataset members (sections 1, 3, 3.1)', () => {
  beforeAll(async () => {
    await publish(
      [
        // Discovered 2024-12-31T23:00Z: the HHS deadline follows the UTC year 2024.
        breachOf('bb7-br-newyear', ALPHA, '2025-01-01', {
          exposureTo: '2024-12-31',
        }),
        // Alpha's holdings of S6: [05-01, 05-12) and [05-20, open).
        breachOf('bb7-br-day', ALPHA, '2025-06-20', {
          exposureFrom: '2025-05-20',
          exposureTo: '2025-05-20',
          affectedTargets: [{ studyInstanceUid: S6 }],
        }),
        breachOf('bb7-br-gap', ALPHA, '2025-06-20', {
          exposureFrom: '2025-05-13',
          exposureTo: '2025-05-19',
          affectedTargets: [{ studyInstanceUid: S6 }],
        }),
        // The never-registered vendor (it got S2 on 2025-02-03 and never deleted it).
        breachOf('bb7-br-unreg', UNREG, '2025-03-01', {}),
        ce('bb7-dr-scoped', 'deletion.requested', '2025-03-02T00:00:00Z', 'bb7-dr-scoped', {
          requestId: 'bb7-dr-scoped',
          patient: P1,
          dueBy: '2025-03-15',
          scope: { studyInstanceUids: [D1, '1.2.3.never.registered'] },
        }),
        ce('bb7-ds11', 'dataset.assembled', '2025-05-03T00:00:00Z', 'bb7-ds11', {
          datasetId: 'bb7-ds11',
          name: 'P11 pair',
          studyInstanceUids: [S11, S12],
        }),
        ce('bb7-x-ds11', 'disclosure.recorded', '2025-05-04T00:00:00Z', 'bb7-ds11', {
          disclosureId: 'bb7-x-ds11',
          recipientVendorId: ALPHA,
          target: { datasetId: 'bb7-ds11' },
          purpose: 'RESEARCH',
          legalBasis: 'LIMITED_DATA_SET',
        }),
      ]
        // The breach event's time is its discovery day at noon; this one is given with an
        // offset on purpose.
        .map((e) =>
          e.id === 'bb7-br-newyear'
            ? { ...e, data: { ...e.data, discoveredAt: '2025-01-01T01:00:00+02:00' } }
            : e,
        )
        .map(asMessage),
    );
    await settle();
  }, 120_000);

  const breach = (id: string) =>
    gql<{ breachImpact: Breach }>(
      tok.officer,
      `{ breachImpact(breachId: "${id}") { ${BREACH_FIELDS} } }`,
    ).then((d) => d.breachImpact);

  // hhsNoticeDeadline: "the last instant (23:59:59.999Z) of the 60th day after December 31
  // of the UTC year of discoveredAt"; exposureTo "closes" at a date's last instant.
  it('should take the UTC year of a discovery given with an offset', async () => {
    const b = await breach('bb7-br-newyear');
    expect(b).toMatchObject({
      discoveredAt: '2024-12-31T23:00:00.000Z',
      exposureFrom: null,
      exposureTo: '2024-12-31T23:59:59.999Z',
      individualNoticeDeadline: '2025-03-01T23:00:00.000Z',
      hhsNoticeDeadline: '2025-03-01T23:59:59.999Z',
      studiesAffected: 0,
    });
  });

  // "a date starts at 00:00:00Z when it opens a period and ends at 23:59:59.999Z when it
  // closes one"; overlap: "start at or before exposureTo, end after exposureFrom".
  it('should open and close a one-day exposure window on its dates', async () => {
    const day = await breach('bb7-br-day');
    expect(day.affected.edges.map((e) => [e.node.studyInstanceUid, e.node.receivedAt])).toEqual([
      [S6, '2025-05-20T00:00:00.000Z'],
    ]);
    expect(day.exposureFrom).toBe('2025-05-20T00:00:00.000Z');
    expect(day.exposureTo).toBe('2025-05-20T23:59:59.999Z');
    expect((await breach('bb7-br-gap')).studiesAffected).toBe(0);
  });

  // "A vendor never registered appears (here and in v1 types) with its id as name, no
  // address, role OTHER": BreachImpact.vendor and DeletionObligation.vendor.
  it('should show a never-registered vendor by its id in v1.1 types', async () => {
    const d = await gql<{
      breachImpact: { vendor: object; studiesAffected: number };
      deletionRequest: { obligations: { vendor: { vendorId: string } }[] };
    }>(
      tok.officer,
      `{ breachImpact(breachId: "bb7-br-unreg") { studiesAffected vendor { vendorId name address role } }
         deletionRequest(requestId: "bb-dr2") { obligations { vendor { vendorId name address role } } } }`,
    );
    const unreg = { vendorId: UNREG, name: UNREG, address: null, role: 'OTHER' };
    expect(d.breachImpact).toEqual({ studiesAffected: 1, vendor: unreg });
    expect(d.deletionRequest.obligations.map((o) => o.vendor)).toContainEqual(unreg);
  });

  // scope: "those of the patient's studies and every derivative of them": a derivative's uid
  // takes in the derivative, not its original.
  it('should obligate only the scoped derivative, not its original', async () => {
    const d = await gql<{ deletionRequest: DeletionRequest }>(
      tok.officer,
      `{ deletionRequest(requestId: "bb7-dr-scoped") { ${REQUEST_FIELDS} } }`,
    );
    expect(obligationsOf(d.deletionRequest)).toEqual(
      sorted([`${ALPHA} ${D1} EXEMPT`, `${BETA} ${D1} EXEMPT`]),
    );
  });

  // An accounting entry names "the study actually disclosed (..., each member of a dataset)".
  it('should give one accounting entry per member of a disclosed dataset', async () => {
    const d = await gql<{ accountingOfDisclosures: { entries: AccountingEntry[] } }>(
      tok.officer,
      ACCOUNTING,
      { p: P11 },
    );
    const entries = d.accountingOfDisclosures.entries.filter(
      (e) => e.disclosureId === 'bb7-x-ds11',
    );
    expect(entries.map((e) => [e.studyInstanceUid, e.legalBasis, e.exempt]).sort()).toEqual(
      [
        [S11, 'LIMITED_DATA_SET', true],
        [S12, 'LIMITED_DATA_SET', true],
      ].sort(),
    );
  });
});

const P13 = { system: SYSTEM, value: 'MRN-BBX-0013' };
const S13 = uid('13');
const S13D = uid('13.9');

describe('blackbox contract: a study known only after its disclosures (section 1)', () => {
  let before: { codes: string[]; affected: number; obligations: string[] };
  beforeAll(async () => {
    // The derivative's disclosure, a breach and a deletion request, before anything says
    // whose S13D is or that beta ever received S13.
    await publish(
      [
        disclosure('bb8-x13d', '2025-08-05T00:00:00Z', S13D, ALPHA, 'AI_TRAINING', 'DEIDENTIFIED'),
        breachOf('bb8-br', BETA, '2025-09-01', {
          exposureFrom: '2025-08-01',
          affectedTargets: [{ studyInstanceUid: S13 }],
        }),
        request('bb8-dr13', '2025-08-20T00:00:00Z', P13, '2025-08-31'),
      ].map(asMessage),
    );
    await settle();
    before = await snapshot();
    await publish(
      [
        ce('bb8-s13', 'study.registered', '2025-08-01T00:00:00Z', S13, {
          studyInstanceUid: S13,
          patient: P13,
          modality: 'CT',
          bodyPart: 'CHEST',
          studyDate: '2025-08-01',
          facility: 'Blackbox General',
        }),
        derive('bb8-s13d', S13, S13D),
        disclosure('bb8-x13', '2025-08-10T00:00:00Z', S13, BETA, 'TREATMENT', 'TREATMENT'),
      ].map(asMessage),
    );
    await settle();
  }, 120_000);

  async function snapshot(): Promise<typeof before> {
    const d = await gql<{
      findings: Connection<FindingNode>;
      breachImpact: Breach;
      deletionRequest: DeletionRequest | null;
    }>(
      tok.officer,
      `{ findings(studyInstanceUid: "${S13D}") { edges { node { ${FINDING_FIELDS} } } }
         breachImpact(breachId: "bb8-br") { ${BREACH_FIELDS} }
         deletionRequest(requestId: "bb8-dr13") { ${REQUEST_FIELDS} } }`,
    );
    return {
      codes: d.findings.edges.map((e) => e.node.code).sort(),
      affected: d.breachImpact.studiesAffected,
      obligations: d.deletionRequest ? obligationsOf(d.deletionRequest) : [],
    };
  }

  // "what is known of a study (patient, modality, body part, derivation, method codes)
  // holds whatever its events' times" and "Results must NOT depend on arrival order across
  // partitions".
  it('should judge the derivative by its derivation once it arrives', async () => {
    expect(before.codes).toEqual(['NOT_DEIDENTIFIED']);
    expect((await snapshot()).codes).toEqual([]);
  });

  it('should count a receipt that arrived after the breach report', async () => {
    expect(before.affected).toBe(0);
    expect((await snapshot()).affected).toBe(1);
  });

  it('should obligate the holders made known after the request', async () => {
    expect(before.obligations).toEqual([]);
    expect((await snapshot()).obligations).toEqual(
      sorted([`${ALPHA} ${S13D} EXEMPT`, `${BETA} ${S13} OVERDUE`]),
    );
  });
});

const P14 = { system: SYSTEM, value: 'MRN-BBX-0014' };
const S14 = uid('14');

describe('blackbox contract: open lists of codes (section 1)', () => {
  beforeAll(async () => {
    await publish(
      [
        // "modality (DICOM code: CT MR ... ...)", "bodyPart (... HEAD BRAIN CHEST ABDOMEN ...)":
        // examples of open lists; OPT and EYE are DICOM codes too.
        ce('bb9-s14', 'study.registered', '2025-03-01T00:00:00Z', S14, {
          studyInstanceUid: S14,
          patient: P14,
          modality: 'OPT',
          bodyPart: 'EYE',
          studyDate: '2025-03-01',
          facility: 'Blackbox Eye Clinic',
        }),
        // "an inspector may add codes of its own"; issue instances "from 1 to the
        // inspection's instances"; tag "as upper-case GGGG,EEEE".
        ce('bb9-insp14', 'deidentification.inspected', '2025-03-02T00:00:00Z', S14, {
          inspectionId: 'bb9-insp14',
          studyInstanceUid: S14,
          tool: { name: 'bb-inspector', version: '2.1' },
          instances: 5,
          result: 'FAIL',
          issues: [{ code: 'BB_VENDOR_RULE_7', instances: 5, tag: 'ABCD,EF01' }],
          methodCodesFound: ['113100'],
        }),
        disclosure('bb9-x14', '2025-03-03T00:00:00Z', S14, ALPHA, 'RESEARCH', 'DEIDENTIFIED'),
      ].map(asMessage),
    );
    await settle();
  }, 120_000);

  it('should record a study of any DICOM modality and body part', async () => {
    const d = await gql<{ study: { modality: string; bodyPart: string } | null }>(
      tok.auditor,
      `{ study(studyInstanceUid: "${S14}") { modality bodyPart } }`,
    );
    expect(d.study).toEqual({ modality: 'OPT', bodyPart: 'EYE' });
  });

  // DEIDENTIFICATION_FAILED: "detail names its issue codes", an inspector's own included.
  it("should keep an inspector's own issue code and name it in the finding", async () => {
    const d = await gql<{
      study: {
        inspections: {
          issues: { code: string; instances: number; tag: string }[];
          methodCodesFound: string[];
        }[];
      };
      findings: Connection<FindingNode>;
    }>(
      tok.auditor,
      `{ study(studyInstanceUid: "${S14}") { inspections { issues { code instances tag } methodCodesFound } }
         findings(studyInstanceUid: "${S14}") { edges { node { ${FINDING_FIELDS} } } } }`,
    );
    expect(d.study.inspections).toEqual([
      {
        issues: [{ code: 'BB_VENDOR_RULE_7', instances: 5, tag: 'ABCD,EF01' }],
        methodCodesFound: ['113100'],
      },
    ]);
    const nodes = d.findings.edges.map((e) => e.node);
    expect(nodes.map((n) => n.code).sort()).toEqual([
      'DEIDENTIFICATION_FAILED',
      'NOT_DEIDENTIFIED',
    ]);
    expect(nodes.find((n) => n.code === 'DEIDENTIFICATION_FAILED')?.detail).toContain(
      'BB_VENDOR_RULE_7',
    );
  });
});

describe('blackbox contract: ledger proofs (section 3)', () => {
  // "fromSize == toSize gives an empty list"
  it('should give an empty consistency proof between equal sizes', async () => {
    const data = await gql<{ consistencyProof: string[] }>(
      tok.auditor,
      '{ consistencyProof(fromSize: 3, toSize: 3) }',
    );
    expect(data.consistencyProof).toEqual([]);
  });

  // "Patient identifier values are replaced by a keyed pseudonym before storage", v1.1's
  // patient, patientIdentifiersFound and deletion request patients included.
  it('should store no clear MRN in any ledger entry', async () => {
    const { ledger } = await gql<{ ledger: { treeSize: number } }>(
      tok.auditor,
      '{ ledger { treeSize } }',
    );
    const leaves: string[] = [];
    // The API allows 20 root fields per operation.
    for (let start = 0; start < ledger.treeSize; start += 20) {
      const end = Math.min(start + 20, ledger.treeSize);
      const fields = Array.from(
        { length: end - start },
        (_, i) => `e${start + i}: ledgerEntry(sequence: ${start + i}) { leafData }`,
      );
      const d = await gql<Record<string, { leafData: string }>>(
        tok.auditor,
        `{ ${fields.join(' ')} }`,
      );
      leaves.push(...Object.values(d).map((e) => e.leafData));
    }
    expect(leaves).toHaveLength(ledger.treeSize);
    expect(leaves.filter((l) => l.includes('MRN-BBX-'))).toEqual([]);
    expect(leaves.filter((l) => l.includes('patientIdentifiersFound'))).not.toEqual([]);
  });

  // "auditor (everything but clear patient identifiers ...)": the quarantine keeps raw
  // bytes, several of which name P1.
  it("should keep clear MRNs out of the auditor's quarantine", async () => {
    const d = await gql<{ quarantine: Connection<{ rawBase64: string }> }>(
      tok.auditor,
      '{ quarantine(first: 100) { edges { node { rawBase64 } } } }',
    );
    const raws = d.quarantine.edges.map((e) => Buffer.from(e.node.rawBase64, 'base64').toString());
    expect(raws.length).toBeGreaterThan(0);
    expect(raws.filter((r) => r.includes('MRN-BBX-'))).toEqual([]);
  });

  // "A vendor never ... clear patient identifiers": nothing any role read carried an MRN.
  it('should never send a clear MRN to any client', () => {
    const leaked = client.transcripts.filter((t) => t.includes('MRN-BBX-'));
    expect(leaked).toEqual([]);
  });
});
