// The red team's pass over deletion requests and breach reports (CONTRACT v1.1 section 3.1):
// a hostile client of the GraphQL API and the report downloads, and a hostile producer of
// `deletion.requested` and `breach.reported` events, against the real Kafka, ingest,
// PostgreSQL and API. What holds here is listed in docs/architecture.md's threat model.
import { mintToken, type Role } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import { cloudEvent, encodeEvent } from '@scantrail/contract/testing';
import type { EventType } from '@scantrail/contract';
import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import type { RunningIngest } from '../../apps/ingest/src/ingest';
import { GraphqlClient, type Connection } from '../scenario/graphql-client';
import { E2eStack } from '../support/e2e-stack';
import { eventually, findingsSettled, testSettings } from '../support/test-env';

const SYSTEM = 'urn:oid:2.16.840.1.113883.3.7';
const PATIENT = { system: SYSTEM, value: 'MRN-RT-0001' };
const OTHER = { system: SYSTEM, value: 'MRN-RT-0002' };
const PARTITIONS = 3;

let sequence = 0;
function event<T extends EventType>(
  type: T,
  time: string,
  data: Parameters<typeof cloudEvent<T>>[1],
  id = `rt-${++sequence}`,
) {
  return cloudEvent(type, data, { id, source: 'urn:scantrail:e2e:red-team', time });
}

const study = (uid: string, patient: typeof PATIENT) =>
  event('org.scantrail.study.registered', '2025-01-02T09:00:00Z', {
    studyInstanceUid: uid,
    patient,
    accessionNumber: `ACC-${uid}`,
    modality: 'CT',
    bodyPart: 'CHEST',
    studyDate: '2025-01-02',
    facility: 'Northfield General Hospital',
  });

const disclose = (id: string, to: string, uid: string) =>
  event('org.scantrail.disclosure.recorded', '2025-01-10T12:00:00Z', {
    disclosureId: id,
    recipientVendorId: to,
    target: { studyInstanceUid: uid },
    purpose: 'RESEARCH',
    legalBasis: 'IRB_WAIVER',
  });

const request = (requestId: string, patient: typeof PATIENT, time: string, extra = {}) =>
  event('org.scantrail.deletion.requested', time, {
    requestId,
    patient,
    dueBy: '2025-03-31',
    ...extra,
  });

const GOOD = [
  event('org.scantrail.vendor.registered', '2024-12-01T00:00:00Z', {
    vendorId: 'vnd-rt-acme',
    // A name built to break a CSV cell or a header if anything used it unescaped.
    name: '=HYPERLINK("http://evil")\r\nX-Evil: 1',
    role: 'AI_DEVELOPER',
  }),
  study('2.25.701', PATIENT),
  study('2.25.702', OTHER),
  disclose('dsc-rt-1', 'vnd-rt-acme', '2.25.701'),
  disclose('dsc-rt-2', 'vnd-rt-beta', '2.25.702'),
  request('del-rt-1', PATIENT, '2025-03-01T10:00:00Z', { legalGround: 'CCPA' }),
  request('del-rt-2', OTHER, '2025-03-02T10:00:00Z'),
  event('org.scantrail.breach.reported', '2025-03-11T08:00:00Z', {
    breachId: 'brc-rt-acme',
    vendorId: 'vnd-rt-acme',
    discoveredAt: '2025-03-10',
  }),
  event('org.scantrail.breach.reported', '2025-03-11T08:00:00Z', {
    breachId: 'brc-rt-beta',
    vendorId: 'vnd-rt-beta',
    discoveredAt: '2025-03-10',
  }),
];

/** Events a hostile or careless producer sends, each with the words its reason must hold. */
const POISON: [string, object, RegExp][] = [
  [
    'a request due in year 0',
    request('del-rt-year0', PATIENT, '2025-03-01T10:00:00Z', { dueBy: '0000-01-01' }),
    /dueBy/,
  ],
  [
    'a request due in year 10000',
    request('del-rt-year10000', PATIENT, '2025-03-01T10:00:00Z', { dueBy: '10000-01-01' }),
    /dueBy/,
  ],
  [
    'a request due on no date at all',
    request('del-rt-nodate', PATIENT, '2025-03-01T10:00:00Z', { dueBy: 'next week' }),
    /dueBy/,
  ],
  [
    'a request with an empty scope',
    request('del-rt-empty', PATIENT, '2025-03-01T10:00:00Z', { scope: { studyInstanceUids: [] } }),
    /scope/,
  ],
  [
    'a request without a patient',
    event('org.scantrail.deletion.requested', '2025-03-01T10:00:00Z', {
      requestId: 'del-rt-nopatient',
      dueBy: '2025-03-31',
    } as never),
    /patient/,
  ],
  [
    'a request with a field of its own',
    request('del-rt-extra', PATIENT, '2025-03-01T10:00:00Z', { priority: 'urgent' }),
    /priority/,
  ],
  [
    'a request of 200 KB',
    request('del-rt-huge', PATIENT, '2025-03-01T10:00:00Z', {
      scope: {
        studyInstanceUids: Array.from({ length: 5000 }, (_, i) => `2.25.9${i}`.padEnd(40, '1')),
      },
    }),
    /^too_large/,
  ],
  [
    'a breach exposed after it was discovered (no exposureTo)',
    event('org.scantrail.breach.reported', '2025-03-11T08:00:00Z', {
      breachId: 'brc-rt-future',
      vendorId: 'vnd-rt-acme',
      discoveredAt: '2025-03-10',
      exposureFrom: '2025-03-10T12:00:00Z',
    }),
    /exposureFrom/,
  ],
  [
    'a breach discovered in year 0',
    event('org.scantrail.breach.reported', '2025-03-11T08:00:00Z', {
      breachId: 'brc-rt-year0',
      vendorId: 'vnd-rt-acme',
      discoveredAt: '0000-12-31T23:00:00Z',
    }),
    /discoveredAt/,
  ],
  [
    'a breach whose target names a study and a dataset',
    event('org.scantrail.breach.reported', '2025-03-11T08:00:00Z', {
      breachId: 'brc-rt-both',
      vendorId: 'vnd-rt-acme',
      discoveredAt: '2025-03-10',
      affectedTargets: [{ studyInstanceUid: '2.25.701', datasetId: 'ds-1' } as never],
    }),
    /affectedTargets/,
  ],
  [
    'a breach with an empty breachId',
    event('org.scantrail.breach.reported', '2025-03-11T08:00:00Z', {
      breachId: '',
      vendorId: 'vnd-rt-acme',
      discoveredAt: '2025-03-10',
    }),
    /breachId/,
  ],
];

interface Request {
  requestId: string;
  patientPseudonym: string | null;
  legalGround: string | null;
  status: string;
  obligations: { vendor: { vendorId: string }; studyInstanceUid: string; status: string }[];
}

describe('a red team against deletion requests and breach reports', () => {
  let stack: E2eStack;
  let settings: Settings;
  let ingest: RunningIngest;
  let api: RunningApi;
  let client: GraphqlClient;
  let produced = 0;

  const token = (roles: Role[], vendorId?: string, sub = `rt-${roles.join('-')}`): string =>
    mintToken({ secret: settings.authJwtSecret, sub, roles, vendorId, ttlSeconds: 900 });
  const officer = (): string => token(['privacy_officer'], undefined, 'rt-officer');
  const auditor = (): string => token(['auditor'], undefined, 'rt-auditor');
  const acme = (): string => token(['vendor'], 'vnd-rt-acme', 'rt-acme');

  /** Every message to every partition, waiting until the ingest handled them all. */
  async function produceEverywhere(events: readonly object[]): Promise<void> {
    const messages = events.flatMap((e, i) => ({
      partition: i % PARTITIONS,
      key: `k-${i}`,
      value: encodeEvent(e),
    }));
    await stack.produceTo(messages, 'red-team');
    produced += messages.length;
    await eventually(
      () => {
        const c = ingest.counters;
        return Promise.resolve(c.recorded + c.duplicates + c.quarantined >= produced || undefined);
      },
      120_000,
      `ingest to handle ${produced} messages`,
    );
    await findingsSettled(stack.db.dataSource);
  }

  async function post(
    bearer: string | null,
    path: string,
    body: string,
    contentType = 'application/json',
  ): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    return fetch(new URL(path, api.url).toString(), { method: 'POST', headers, body });
  }

  beforeAll(async () => {
    stack = await E2eStack.open(PARTITIONS);
    settings = testSettings({ kafkaTopic: stack.topic });
    ingest = await stack.startIngest(settings);
    api = await stack.startApi(settings);
    client = new GraphqlClient(api.url);
    await produceEverywhere(GOOD);
  }, 240_000);

  afterAll(async () => {
    await stack?.close();
  });

  describe('hostile events', () => {
    it('should quarantine each malformed request or breach with its reason on every partition, and record what follows', async () => {
      const quarantinedBefore = ingest.counters.quarantined;
      // Each poison message on each partition, followed there by a good event.
      const after = PARTITIONS * POISON.length;
      const followers = Array.from({ length: PARTITIONS }, (_, p) =>
        request(`del-rt-after-${p}`, OTHER, '2025-03-03T10:00:00Z'),
      );
      await produceEverywhere([
        ...POISON.flatMap(([, e]) =>
          Array.from({ length: PARTITIONS }, (_, p) => ({
            ...e,
            id: `${(e as { id: string }).id}-p${p}`,
          })),
        ),
        ...followers,
      ]);
      expect(ingest.counters.quarantined - quarantinedBefore).toBe(after);
      const { quarantine } = await client.data<{
        quarantine: Connection<{ partition: number; reason: string }>;
      }>(officer(), '{ quarantine(first: 500) { edges { node { partition reason } } } }');
      const reasons = quarantine.edges.map((e) => e.node);
      for (const [what, , reason] of POISON) {
        const matching = reasons.filter((r) => reason.test(r.reason));
        expect({ what, partitions: [...new Set(matching.map((r) => r.partition))].sort() }).toEqual(
          {
            what,
            partitions: [0, 1, 2],
          },
        );
      }
      const { deletionRequests } = await client.data<{
        deletionRequests: Connection<{ requestId: string }>;
      }>(officer(), '{ deletionRequests(first: 500) { edges { node { requestId } } } }');
      const ids = deletionRequests.edges.map((e) => e.node.requestId);
      expect(ids).toEqual(expect.arrayContaining(followers.map((f) => f.data.requestId)));
      expect(
        ids.filter((id) => POISON.some(([, e]) => JSON.stringify(e).includes(`"${id}"`))),
      ).toEqual([]);
    });

    it("should show an auditor the quarantined requests' bytes without the patient's identifier", async () => {
      const { quarantine } = await client.data<{
        quarantine: Connection<{ reason: string; rawBase64: string }>;
      }>(auditor(), '{ quarantine(first: 500) { edges { node { reason rawBase64 } } } }');
      const requests = quarantine.edges
        .map((e) => Buffer.from(e.node.rawBase64, 'base64').toString('utf8'))
        .filter((raw) => raw.includes('deletion.requested'));
      // Every malformed request but the one without a patient (and the 200 KB one, whose
      // bytes may be withheld) names the patient: all are served, none in clear.
      expect(requests.length).toBeGreaterThanOrEqual(PARTITIONS * 4);
      for (const raw of requests) expect(raw).not.toContain('MRN-RT');
      const all = quarantine.edges.map((e) => Buffer.from(e.node.rawBase64, 'base64').toString());
      expect(all.join('\n')).not.toContain('MRN-RT');
    });

    it('should record a re-sent request once and let the latest of two contradicting ones win, in either order', async () => {
      const early = request('del-rt-twice', PATIENT, '2025-03-05T10:00:00Z');
      const late = request('del-rt-twice', OTHER, '2025-03-06T10:00:00Z');
      const before = (await stack.ledgerEventIds()).length;
      // The later one first, then the earlier, then both again (redelivered).
      await stack.produceTo(
        [late, early, late, early].map((e) => ({
          partition: 1,
          key: 'del-rt-twice',
          value: encodeEvent(e),
        })),
        'red-team-twice',
      );
      produced += 4;
      await eventually(
        () => {
          const c = ingest.counters;
          return Promise.resolve(
            c.recorded + c.duplicates + c.quarantined >= produced || undefined,
          );
        },
        120_000,
        'the contradicting requests',
      );
      expect((await stack.ledgerEventIds()).length - before).toBe(2);
      const answer = await client.data<{
        deletionRequest: { requestedAt: string; patientPseudonym: string };
      }>(
        officer(),
        '{ deletionRequest(requestId: "del-rt-twice", asOf: "2025-04-01T00:00:00Z") { requestedAt patientPseudonym } }',
      );
      const other = await client.data<{ deletionRequest: { patientPseudonym: string } }>(
        officer(),
        '{ deletionRequest(requestId: "del-rt-2", asOf: "2025-04-01T00:00:00Z") { patientPseudonym } }',
      );
      expect(answer.deletionRequest.requestedAt).toBe('2025-03-06T10:00:00.000Z');
      expect(answer.deletionRequest.patientPseudonym).toBe(other.deletionRequest.patientPseudonym);
    });
  });

  describe('hostile GraphQL clients', () => {
    it('should answer 401 to no token, an expired, a forged, an unsigned and a wrong-secret token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: 'rt-intruder', roles: ['privacy_officer'] };
      const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const hs256 = (payload: object, secret: string | Buffer): string => {
        const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
        return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
      };
      const expired = hs256({ ...claims, iat: now - 3600, exp: now - 60 }, settings.authJwtSecret);
      const wrongSecret = hs256({ ...claims, iat: now, exp: now + 600 }, 'x'.repeat(48));
      const [head, , signature] = officer().split('.');
      const forged = [
        head,
        Buffer.from(JSON.stringify({ ...claims, iat: now, exp: now + 600 })).toString('base64url'),
        signature,
      ].join('.');
      const unsigned = [
        Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
        Buffer.from(JSON.stringify({ ...claims, iat: now, exp: now + 600 })).toString('base64url'),
        '',
      ].join('.');
      for (const bearer of [null, expired, wrongSecret, forged, unsigned]) {
        const answer = await client.send(
          bearer,
          '{ deletionRequests { totalCount } breaches { totalCount } }',
        );
        expect(answer.status).toBe(401);
        expect(answer.text).not.toContain('del-rt');
        const report = await post(bearer, '/reports/open-obligations', '{}');
        expect(report.status).toBe(401);
      }
    });

    it('should show a vendor nothing of another vendor: not by id, not by list, not by vendorId, not by count', async () => {
      const refused = [
        '{ deletionRequest(requestId: "del-rt-2") { requestId } }',
        '{ deletionRequest(requestId: "no-such-request") { requestId } }',
        // By asOf, another vendor's request before and after it was made, and its own before
        // it was made, answer as an id that does not exist: no oracle of when it was made.
        '{ deletionRequest(requestId: "del-rt-2", asOf: "2025-03-01T00:00:00Z") { requestId } }',
        '{ deletionRequest(requestId: "del-rt-2", asOf: "2025-03-03T00:00:00Z") { requestId } }',
        '{ deletionRequest(requestId: "del-rt-1", asOf: "2025-02-28T00:00:00Z") { requestId } }',
        '{ breachImpact(breachId: "brc-rt-beta") { breachId } }',
        '{ breachImpact(breachId: "no-such-breach") { breachId } }',
        '{ deletionRequests(vendorId: "vnd-rt-beta") { totalCount } }',
      ];
      for (const query of refused) {
        const answer = await client.send(acme(), query);
        expect({ query, code: GraphqlClient.codeOf(answer) }).toEqual({ query, code: 'FORBIDDEN' });
        expect(answer.data?.[Object.keys(answer.data ?? {})[0] as never] ?? null).toBeNull();
        expect(answer.text).not.toMatch(/pp_|vnd-rt-beta|2\.25\.702/);
      }
      const own = await client.data<{
        deletionRequests: Connection<Request> & { totalCount: number };
        deletionObligationsByVendor: { vendor: { vendorId: string } }[];
        breaches: Connection<{
          breachId: string;
          affected: Connection<{ patientPseudonym: string | null }>;
        }> & {
          totalCount: number;
        };
      }>(
        acme(),
        `{ deletionRequests(asOf: "2025-04-01T00:00:00Z", first: 20) { totalCount edges { node {
             requestId patientPseudonym legalGround status obligations { vendor { vendorId } studyInstanceUid status } } } }
           deletionObligationsByVendor(asOf: "2025-04-01T00:00:00Z") { vendor { vendorId } }
           breaches(first: 20) { totalCount edges { node { breachId affected(first: 20) { edges { node { patientPseudonym } } } } } } }`,
      );
      expect(own.deletionRequests.totalCount).toBe(1);
      expect(own.deletionRequests.edges.map((e) => e.node)).toEqual([
        {
          requestId: 'del-rt-1',
          patientPseudonym: null,
          legalGround: 'CCPA',
          status: 'OVERDUE',
          obligations: [
            {
              vendor: { vendorId: 'vnd-rt-acme' },
              studyInstanceUid: '2.25.701',
              status: 'OVERDUE',
            },
          ],
        },
      ]);
      expect(own.deletionObligationsByVendor.map((l) => l.vendor.vendorId)).toEqual([
        'vnd-rt-acme',
      ]);
      expect(own.breaches.totalCount).toBe(1);
      expect(own.breaches.edges.map((e) => e.node.breachId)).toEqual(['brc-rt-acme']);
      expect(JSON.stringify(own)).not.toMatch(/pp_|vnd-rt-beta|2\.25\.702/);
    });

    it('should refuse cursors forged or taken from another list, absurd dates and page sizes, echoing none of them', async () => {
      const { breaches } = await client.data<{ breaches: Connection<{ breachId: string }> }>(
        officer(),
        '{ breaches(first: 1) { edges { cursor } pageInfo { endCursor } } }',
      );
      const breachCursor = breaches.pageInfo.endCursor as string;
      const forged = Buffer.from(JSON.stringify(['deletionRequests', 'MRN-RT-0001', 1])).toString(
        'base64url',
      );
      const bad: [string, Record<string, unknown>][] = [
        ['query($a: String) { deletionRequests(after: $a) { totalCount } }', { a: breachCursor }],
        ['query($a: String) { deletionRequests(after: $a) { totalCount } }', { a: forged }],
        [
          'query($a: String) { deletionRequests(after: $a) { totalCount } }',
          { a: 'x'.repeat(5000) },
        ],
        [
          'query($a: String) { breaches(after: $a) { totalCount } }',
          { a: "'; DROP TABLE rm_breaches; --" },
        ],
        [
          'query($t: DateTime) { deletionRequests(asOf: $t) { totalCount } }',
          { t: '0000-01-01T00:00:00Z' },
        ],
        [
          'query($t: DateTime) { deletionRequests(asOf: $t) { totalCount } }',
          { t: '10000-01-01T00:00:00Z' },
        ],
        ['query($t: DateTime) { deletionRequests(asOf: $t) { totalCount } }', { t: 'MRN-RT-0001' }],
        [
          'query($t: DateTime) { deletionRequest(requestId: "del-rt-1", asOf: $t) { requestId } }',
          { t: 'MRN-RT-0001' },
        ],
        [
          'query($t: DateTime) { deletionObligationsByVendor(asOf: $t) { open } }',
          { t: '2025-02-30T00:00:00Z' },
        ],
        ['{ deletionRequests(first: 501) { totalCount } }', {}],
        ['{ deletionRequests(first: -1) { totalCount } }', {}],
        ['{ breaches(first: 2147483647) { totalCount } }', {}],
        [
          '{ breachImpact(breachId: "brc-rt-acme") { affected(first: 100000) { totalCount } } }',
          {},
        ],
      ];
      for (const [query, variables] of bad) {
        const answer = await client.send(officer(), query, variables);
        expect({ query, variables, code: GraphqlClient.codeOf(answer) }).toEqual({
          query,
          variables,
          code: 'BAD_USER_INPUT',
        });
        expect(answer.text).not.toContain('MRN-RT');
        expect(answer.text).not.toContain('DROP TABLE');
      }
      // The far end of the calendar is a valid question with a plain answer.
      const far = await client.data<{ deletionRequests: { totalCount: number } }>(
        officer(),
        '{ deletionRequests(asOf: "9999-12-31T23:59:59.999Z") { totalCount } }',
      );
      expect(far.deletionRequests.totalCount).toBeGreaterThanOrEqual(2);
      const early = await client.data<{ deletionRequests: { totalCount: number } }>(
        officer(),
        '{ deletionRequests(asOf: "0001-01-01T00:00:00Z") { totalCount } }',
      );
      expect(early.deletionRequests.totalCount).toBe(0);
    });

    it('should treat a cursor from another status, asOf or breach as a position only: the filtered list after it, nothing of another vendor', async () => {
      interface Listed {
        requestId: string;
        requestedAt: string;
      }
      const LIST = `query($s: DeletionStatus, $t: DateTime, $a: String, $n: Int) {
        deletionRequests(status: $s, asOf: $t, after: $a, first: $n) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { requestId requestedAt } } } }`;
      const page = async (bearer: string, variables: Record<string, unknown>) =>
        (await client.data<{ deletionRequests: Connection<Listed> }>(bearer, LIST, variables))
          .deletionRequests;
      const ids = (nodes: readonly Listed[]) => nodes.map((n) => n.requestId);
      /** The nodes of a whole list after a position (requestedAt, requestId): the oracle. */
      const after = (nodes: readonly Listed[], at: Listed | undefined) =>
        at === undefined
          ? [...nodes]
          : nodes.filter((n) => {
              const [t, from] = [Date.parse(n.requestedAt), Date.parse(at.requestedAt)];
              return t > from || (t === from && n.requestId > at.requestId);
            });
      const APRIL = '2025-04-01T00:00:00Z';
      const MID_MARCH = '2025-03-15T00:00:00Z';
      // The officer's list as of April, one a page: the cursor after its first request.
      const first = await page(officer(), { t: APRIL, n: 1 });
      const firstNode = first.edges[0].node;
      expect(firstNode.requestId).toBe('del-rt-1');
      const afterFirst = first.pageInfo.endCursor as string;
      const filters: Record<string, unknown>[] = [
        { s: 'OPEN', t: MID_MARCH },
        { s: 'OVERDUE', t: MID_MARCH },
        { s: 'OVERDUE', t: APRIL },
        { s: 'FULFILLED', t: APRIL },
        { s: 'EXEMPT', t: APRIL },
        { t: '2025-03-01T12:00:00Z' }, // before del-rt-2 was made: it does not exist yet
      ];
      for (const filter of filters) {
        const whole = await page(officer(), { ...filter, n: 500 });
        const continued = await page(officer(), { ...filter, a: afterFirst, n: 500 });
        expect({ filter, ids: ids(continued.edges.map((e) => e.node)) }).toEqual({
          filter,
          ids: ids(
            after(
              whole.edges.map((e) => e.node),
              firstNode,
            ),
          ),
        });
        expect(continued.totalCount).toBe(whole.totalCount);
      }
      const openMidMarch = await page(officer(), { s: 'OPEN', t: MID_MARCH, a: afterFirst });
      expect(ids(openMidMarch.edges.map((e) => e.node))).toContain('del-rt-2');
      expect(ids(openMidMarch.edges.map((e) => e.node))).not.toContain('del-rt-1');
      // A vendor given the officer's cursor, or one forged to stand before everything,
      // sees its own requests after that position: never the other vendor's, nor its count.
      const beforeAll = Buffer.from(JSON.stringify(['deletionRequests', 0, ''])).toString(
        'base64url',
      );
      for (const [cursor, at] of [
        [afterFirst, firstNode],
        [beforeAll, undefined],
      ] as const) {
        for (const s of [undefined, 'OVERDUE', 'OPEN']) {
          const own = await page(acme(), { s, t: APRIL, n: 500 });
          const answer = await page(acme(), { s, t: APRIL, a: cursor, n: 500 });
          expect(ids(own.edges.map((e) => e.node))).not.toContain('del-rt-2');
          expect({ s, ids: ids(answer.edges.map((e) => e.node)) }).toEqual({
            s,
            ids: ids(
              after(
                own.edges.map((e) => e.node),
                at,
              ),
            ),
          });
          expect(answer.totalCount).toBe(own.totalCount);
        }
      }
      // The affected studies of one breach, continued with a cursor of another breach's.
      const AFFECTED = `query($b: String!, $a: String) { breachImpact(breachId: $b) {
        affected(first: 500, after: $a) { totalCount edges { cursor node { studyInstanceUid patientPseudonym } } } } }`;
      const affected = async (bearer: string, b: string, a?: string) =>
        (
          await client.data<{
            breachImpact: {
              affected: Connection<{ studyInstanceUid: string; patientPseudonym: string | null }>;
            };
          }>(bearer, AFFECTED, { b, a })
        ).breachImpact.affected;
      const uids = (c: Connection<{ studyInstanceUid: string }>) =>
        c.edges.map((e) => e.node.studyInstanceUid);
      const beta = await affected(officer(), 'brc-rt-beta');
      expect(uids(beta)).toContain('2.25.702');
      const betaCursor = beta.edges.find((e) => e.node.studyInstanceUid === '2.25.702')
        ?.cursor as string;
      const acmeWhole = uids(await affected(officer(), 'brc-rt-acme'));
      expect(acmeWhole).toContain('2.25.701');
      const pastBeta = acmeWhole.filter((u) => u > '2.25.702');
      expect(uids(await affected(officer(), 'brc-rt-acme', betaCursor))).toEqual(pastBeta);
      const fromStart = Buffer.from(JSON.stringify(['affected', ''])).toString('base64url');
      for (const a of [undefined, fromStart, betaCursor]) {
        const own = await affected(acme(), 'brc-rt-acme', a);
        expect(own.totalCount).toBe(acmeWhole.length);
        expect(uids(own)).toEqual(a === betaCursor ? pastBeta : acmeWhole);
        expect(own.edges.every((e) => e.node.patientPseudonym === null)).toBe(true);
        expect(JSON.stringify(own)).not.toMatch(/2\.25\.702|pp_/);
      }
    });

    it('should hold aliases of the rights queries to the same limits as any other', async () => {
      const many = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: breaches(first: 1) { totalCount }`).join(' ')} }`;
      const answer = await client.send(auditor(), many);
      expect(GraphqlClient.codeOf(answer)).toBe('BAD_USER_INPUT');
      expect(answer.text).toMatch(/aliases/);
    });

    it('should weigh each breach a page evaluates: two aliases of 500 breaches are too expensive, one is not', async () => {
      const page = 'breaches(first: 500) { edges { node { breachId studiesAffected } } }';
      const two = await client.send(auditor(), `{ a: ${page} b: ${page} }`);
      expect(GraphqlClient.codeOf(two)).toBe('BAD_USER_INPUT');
      expect(two.text).toMatch(/too expensive/);
      const one = await client.data<{ breaches: Connection<{ breachId: string }> }>(
        auditor(),
        `{ ${page} }`,
      );
      expect(one.breaches.edges.map((e) => e.node.breachId)).toEqual([
        'brc-rt-acme',
        'brc-rt-beta',
      ]);
    });

    it('should answer breach impact from what the projection keeps, never from the vendor holdings', async () => {
      await produceEverywhere([
        event('org.scantrail.breach.reported', '2025-03-12T08:00:00Z', {
          breachId: 'brc-rt-gamma',
          vendorId: 'vnd-rt-acme',
          discoveredAt: '2025-03-12',
        }),
      ]);
      // The owner holds the holdings, as a long migration would: counting them when asked
      // would wait here (seconds for the largest vendor at 10M entries, past the timeout).
      const blocker = new Client({ connectionString: stack.db.ownerUrl });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE rm_vendor_holdings IN ACCESS EXCLUSIVE MODE');
        const waited = (what: Promise<unknown>): Promise<unknown> =>
          Promise.race([
            what,
            new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000)),
          ]);
        const answer = client.data<unknown>(
          auditor(),
          `{ breaches(first: 3) { totalCount edges { node { breachId studiesAffected } } }
             other: breachImpact(breachId: "brc-rt-beta") {
               studiesAffected affected(first: 5) { edges { node { studyInstanceUid } } } } }`,
        );
        expect(await waited(answer)).toEqual({
          breaches: {
            totalCount: 3,
            edges: ['brc-rt-acme', 'brc-rt-beta', 'brc-rt-gamma'].map((breachId) => ({
              node: { breachId, studiesAffected: 1 },
            })),
          },
          other: {
            studiesAffected: 1,
            affected: { edges: [{ node: { studyInstanceUid: expect.any(String) as string } }] },
          },
        });
      } finally {
        await blocker.query('ROLLBACK').catch(() => undefined);
        await blocker.end();
      }
    }, 60_000);
  });

  describe('hostile report downloads', () => {
    it('should refuse bodies that are not a JSON object of text ids with 400 or 415, never 500', async () => {
      const cases: [string, string, string][] = [
        [
          '/reports/deletion-request',
          'requestId=del-rt-1&format=csv',
          'application/x-www-form-urlencoded',
        ],
        ['/reports/deletion-request', 'del-rt-1', 'text/plain'],
        ['/reports/deletion-request', '["del-rt-1"]', 'application/json'],
        ['/reports/deletion-request', 'null', 'application/json'],
        ['/reports/deletion-request', '{"requestId":{"$ne":""}}', 'application/json'],
        ['/reports/deletion-request', '{"requestId":["del-rt-1"]}', 'application/json'],
        [
          '/reports/deletion-request',
          '{"requestId":"del-rt-1","asOf":"0000-01-01"}',
          'application/json',
        ],
        [
          '/reports/deletion-request',
          '{"requestId":"del-rt-1","asOf":"MRN-RT-0001"}',
          'application/json',
        ],
        ['/reports/deletion-request', '{"requestId":"del-rt-1"', 'application/json'],
        [
          '/reports/accounting',
          '{"patient":{"system":"s","value":"MRN-RT-0001"} x',
          'application/json',
        ],
        ['/reports/accounting', 'MRN-RT-0001', 'application/json'],
        // Ids hidden behind prototype keys are not ids: JSON.parse makes them own members.
        ['/reports/deletion-request', '{"__proto__":{"requestId":"del-rt-1"}}', 'application/json'],
        [
          '/reports/deletion-request',
          '{"constructor":{"prototype":{"requestId":"del-rt-1"}}}',
          'application/json',
        ],
        ['/reports/breach', '{"__proto__":{"breachId":"brc-rt-acme"}}', 'application/json'],
        [
          '/reports/accounting',
          '{"patient":{"system":"s","__proto__":{"value":"MRN-RT-0001"}}}',
          'application/json',
        ],
        [
          '/reports/accounting',
          '{"__proto__":{"patient":{"system":"s","value":"MRN-RT-0001"}}}',
          'application/json',
        ],
        ['/reports/open-obligations', '{"asOf":"10000-01-01"}', 'application/json'],
        ['/reports/breach', '{"breachId":"brc-rt-acme","format":"html"}', 'application/json'],
      ];
      for (const [path, body, type] of cases) {
        const answer = await post(officer(), path, body, type);
        expect({ path, body, status: [400, 415].includes(answer.status) }).toEqual({
          path,
          body,
          status: true,
        });
        const text = await answer.text();
        expect(text).not.toContain('MRN-RT');
        expect(text).not.toMatch(/ at .*\.ts:|stack/i);
      }
    });

    it('should refuse a body over the limit with 413 before reading it all', async () => {
      const body = JSON.stringify({
        requestId: 'del-rt-1',
        padding: 'x'.repeat(settings.apiLimits.bodyLimitBytes),
      });
      const answer = await post(officer(), '/reports/deletion-request', body);
      expect(answer.status).toBe(413);
    });

    it('should send no-store, nosniff and a safe file name whatever the id holds', async () => {
      const hostile = 'del-rt-"; filename=evil.html\r\nX-Injected: 1';
      await produceEverywhere([request(hostile, PATIENT, '2025-03-04T10:00:00Z')]);
      const answer = await post(
        officer(),
        '/reports/deletion-request',
        JSON.stringify({ requestId: hostile, asOf: '2025-04-01', format: 'csv' }),
      );
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-injected')).toBeNull();
      expect(answer.headers.get('cache-control')).toMatch(/no-store/);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('content-disposition')).toMatch(
        /^attachment; filename="[A-Za-z0-9._-]+"$/,
      );
      const csv = await answer.text();
      // The vendor's name, built as a formula with a line break, stays one neutralised cell.
      expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
      // RFC 4180: the line breaks inside the id and the name stay inside quoted cells.
      expect(csv).toContain('"del-rt-""; filename=evil.html\r\nX-Injected: 1"');
      expect(csv).toContain(`"'=HYPERLINK(""http://evil"")\r\nX-Evil: 1"`);
    });

    it('should log the letter for the patient it names, and only when it was produced', async () => {
      const logged = async (): Promise<{ operation: string; patientPseudonym: string }[]> =>
        (
          await client.data<{
            accessLog: Connection<{ operation: string; patientPseudonym: string }>;
          }>(
            officer(),
            '{ accessLog(first: 500) { edges { node { operation patientPseudonym } } } }',
          )
        ).accessLog.edges.map((e) => e.node);
      const before = (await logged()).length;
      expect(
        (await post(officer(), '/reports/deletion-request', '{"requestId":"no-such"}')).status,
      ).toBe(404);
      expect(
        (
          await post(
            officer(),
            '/reports/deletion-request',
            '{"requestId":"del-rt-1","asOf":"2025-02-01"}',
          )
        ).status,
      ).toBe(404);
      expect((await logged()).length).toBe(before);
      const letter = await post(
        officer(),
        '/reports/deletion-request',
        '{"requestId":"del-rt-2","format":"csv"}',
      );
      expect(letter.status).toBe(200);
      const seen = await client.data<{ deletionRequest: { patientPseudonym: string } }>(
        officer(),
        '{ deletionRequest(requestId: "del-rt-2") { patientPseudonym } }',
      );
      const after = await logged();
      expect(after).toContainEqual({
        operation: 'deletionRequestReport',
        patientPseudonym: seen.deletionRequest.patientPseudonym,
      });
    });

    it('should never send a clear patient identifier', () => {
      for (const body of client.transcripts) expect(body).not.toContain('MRN-RT-');
    });
  });
});
