// s35-unrec: bridgeState.unrecorded is the newest 500 sends the Orthanc bridges could not
// record, while unrecordedSends counts them all: a privacy officer with more than 500 could
// not see the rest. bridgeUnrecordedSends pages every one of them, newest first, in the
// style of quarantine and ingestGaps (first, after, totalCount, keyset cursors), for privacy
// officers and auditors only. Real PostgreSQL; rows as the bridge's table holds them, with
// ties on noticed_at down to the microsecond (one bridge step notices many at one now()).
import type { RunningApi } from '../../apps/api/src/bootstrap';
import type {
  BridgeUnrecordedSendsQuery,
  BridgeUnrecordedSendsQueryVariables,
} from '../../apps/dashboard/src/api/graphql-types.generated';
import { BRIDGE_UNRECORDED_SENDS } from '../../apps/dashboard/src/bridge/bridge-queries';
import { startTestApi } from '../support/e2e-stack';
import { roleTokens } from '../support/role-token';
import { createTestDatabase, testSettings, type TestDatabase } from '../support/test-env';

const settings = testSettings();
let db: TestDatabase;
let api: RunningApi;

const token = roleTokens(settings.authJwtSecret, 'unrec');

interface Answer {
  data?: BridgeUnrecordedSendsQuery | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The dashboard's own document, as `bearer`. */
async function ask(
  bearer: string,
  variables: BridgeUnrecordedSendsQueryVariables,
): Promise<Answer> {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query: BRIDGE_UNRECORDED_SENDS, variables }),
  });
  return (await response.json()) as Answer;
}

interface Send {
  source: string;
  jobKey: string;
  noticedAt: string;
  completedAt: string | null;
}

/** Newest first; equal noticed_at broken by completed_at (newest, unknown last), then the key. */
const SENDS: Send[] = [
  { source: 'bridge-a', jobKey: 'k1', noticedAt: '2026-03-02T10:00:00.000002Z', completedAt: null },
  {
    source: 'bridge-a',
    jobKey: 'k2',
    noticedAt: '2026-03-02T10:00:00.000001Z',
    completedAt: '2026-03-02T09:59:00Z',
  },
  {
    source: 'bridge-a',
    jobKey: 'k3',
    noticedAt: '2026-03-02T10:00:00.000001Z',
    completedAt: '2026-03-02T09:58:00Z',
  },
  { source: 'bridge-a', jobKey: 'k4', noticedAt: '2026-03-02T10:00:00.000001Z', completedAt: null },
  { source: 'bridge-b', jobKey: 'k4', noticedAt: '2026-03-02T10:00:00.000001Z', completedAt: null },
  { source: 'bridge-b', jobKey: 'k5', noticedAt: '2026-03-02T10:00:00.000001Z', completedAt: null },
  { source: 'bridge-a', jobKey: 'k7', noticedAt: '2026-03-01T08:00:00Z', completedAt: null },
];

async function insert(send: Send): Promise<void> {
  await db.dataSource.query(
    `INSERT INTO bridge_unrecorded_sends
       (source, job_key, reason, job_type, destination_kind, destination, instances, completed_at, noticed_at)
     VALUES ($1, $2, 'dicomweb_unnamed', 'DicomWebStowClient', 'dicomweb', NULL, 1, $3, $4)`,
    [send.source, send.jobKey, send.completedAt, send.noticedAt],
  );
}

const keyOf = (node: { source: string; jobKey: string }): string => `${node.source}/${node.jobKey}`;

beforeAll(async () => {
  db = await createTestDatabase();
  // Out of order, so the order is the query's.
  for (const send of [...SENDS].reverse()) await insert(send);
  api = await startTestApi(settings, db.dataSource);
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('bridgeUnrecordedSends', () => {
  it('should page every send newest first, neither skipping nor repeating one added between pages', async () => {
    const officer = token(['privacy_officer']);
    const first = await ask(officer, { first: 3 });
    expect(first.errors).toBeUndefined();
    const one = first.data!.bridgeUnrecordedSends;
    expect(one.totalCount).toBe(7);
    expect(one.pageInfo.hasNextPage).toBe(true);
    expect(one.edges.map((e) => keyOf(e.node))).toEqual([
      'bridge-a/k1',
      'bridge-a/k2',
      'bridge-a/k3',
    ]);

    // Between pages: one newer than all (before the cursor: not on later pages) and one
    // that sorts among the rows not read yet (it must come).
    await insert({
      source: 'bridge-c',
      jobKey: 'new',
      noticedAt: '2026-03-03T00:00:00Z',
      completedAt: null,
    });
    await insert({
      source: 'bridge-a',
      jobKey: 'k6',
      noticedAt: '2026-03-02T10:00:00.000001Z',
      completedAt: null,
    });

    const seen = one.edges.map((e) => keyOf(e.node));
    let after = one.pageInfo.endCursor;
    for (let pages = 0; after !== null && pages < 10; pages++) {
      const next = await ask(officer, { first: 3, after });
      expect(next.errors).toBeUndefined();
      const page = next.data!.bridgeUnrecordedSends;
      expect(page.totalCount).toBe(9);
      seen.push(...page.edges.map((e) => keyOf(e.node)));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    }
    expect(seen).toEqual([
      'bridge-a/k1',
      'bridge-a/k2',
      'bridge-a/k3',
      'bridge-a/k4',
      'bridge-a/k6',
      'bridge-b/k4',
      'bridge-b/k5',
      'bridge-a/k7',
    ]);
  });

  it('should answer auditors as privacy officers, with what bridgeState shows', async () => {
    const answer = await ask(token(['auditor']), { first: 2 });
    expect(answer.errors).toBeUndefined();
    const [node] = answer.data!.bridgeUnrecordedSends.edges.map((e) => e.node);
    expect(node).toEqual({
      jobKey: 'new',
      reason: 'dicomweb_unnamed',
      jobType: 'DicomWebStowClient',
      destinationKind: 'dicomweb',
      destination: null,
      instances: 1,
      completedAt: null,
      noticedAt: '2026-03-03T00:00:00.000Z',
      source: 'bridge-c',
    });
  });

  it('should refuse a vendor with FORBIDDEN and show it nothing', async () => {
    const answer = await ask(token(['vendor'], 'vnd-1'), { first: 10 });
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(answer.data?.bridgeUnrecordedSends ?? null).toBeNull();
    expect(JSON.stringify(answer)).not.toContain('dicomweb_unnamed');
  });

  it('should refuse a cursor it did not give, saying which argument is wrong', async () => {
    const officer = token(['privacy_officer']);
    const quarantineCursor = Buffer.from(JSON.stringify(['quarantine', 3])).toString('base64url');
    const forged = Buffer.from(
      JSON.stringify(['bridgeUnrecordedSends', 1e300, '', 'bridge-a', 'k1']),
    ).toString('base64url');
    for (const after of ['not a cursor', quarantineCursor, forged]) {
      const bad = await ask(officer, { first: 2, after });
      expect(bad.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(bad.errors?.[0].message).toMatch(
        /^after: not a cursor of this bridgeUnrecordedSends list/,
      );
      expect(bad.data?.bridgeUnrecordedSends ?? null).toBeNull();
    }
    const tooMany = await ask(officer, { first: 100_000 });
    expect(tooMany.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
