// Deletion requests and breach reports end to end: events through a real Kafka topic into
// the real ingest and PostgreSQL, answers read back through the GraphQL API by each role.
// Late events (an attestation, an onward transfer) must change the answers as if in time.
import { mintToken, type Role } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import { cloudEvent, encodeEvent } from '@scantrail/contract/testing';
import { subjectOf, type EventType, type LineageEvent } from '@scantrail/contract';
import type { KafkaClient } from '@scantrail/kafka';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import { startIngest, type RunningIngest } from '../../apps/ingest/src/ingest';
import { GraphqlClient, type Connection } from '../scenario/graphql-client';
import {
  createTestDatabase,
  createTestTopic,
  e2eServices,
  eventually,
  testLogger,
  testSettings,
  type TestDatabase,
} from '../support/test-env';

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

const obligationsOf = (r: Request | null): string[] =>
  (r?.obligations ?? []).map((o) => `${o.vendor.vendorId} ${o.studyInstanceUid} ${o.status}`);

describe('deletion requests and breach reports through Kafka and GraphQL', () => {
  let db: TestDatabase;
  let kafka: KafkaClient;
  let topic: string;
  let settings: Settings;
  let ingest: RunningIngest;
  let api: RunningApi;
  let client: GraphqlClient;
  let published = 0;

  const token = (roles: Role[], vendorId?: string, sub = `rights-${roles.join('-')}`): string =>
    mintToken({ secret: settings.authJwtSecret, sub, roles, vendorId, ttlSeconds: 900 });
  const officer = (): string => token(['privacy_officer'], undefined, 'officer-jane');

  async function publish(events: readonly object[]): Promise<void> {
    const producer = await kafka.producer();
    try {
      await producer.send(
        topic,
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
    db = await createTestDatabase();
    ({ kafka, topic } = await createTestTopic(3));
    settings = testSettings({ kafkaTopic: topic });
    ingest = await startIngest({
      settings,
      dataSource: db.dataSource,
      kafkaBrokers: e2eServices().brokers,
      logger: testLogger,
    });
    api = await startApi({
      settings,
      dataSource: db.dataSource,
      kafkaBrokers: e2eServices().brokers,
      logger: testLogger,
    });
    client = new GraphqlClient(api.url);
    await publish([...PHASE_1, BAD_BREACH]);
  }, 240_000);

  afterAll(async () => {
    await ingest?.stop();
    await api?.close();
    await kafka?.disconnect();
    await db?.drop();
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

  it('should never send a clear patient identifier', () => {
    for (const body of client.transcripts) expect(body).not.toContain('MRN-PR-');
  });
});
