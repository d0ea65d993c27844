// s35-lost: messages Kafka deleted before the ingest read them were only a log line, a metric
// and a process's memory. The ingest now keeps each (and each stored position moved) in
// ingest_gaps, and the API serves them (ingestGaps, newest first, with a total) to privacy
// officers and auditors, so an auditor can learn later that the ledger has a gap in what the
// hospital published. Vendors may not read it. Real PostgreSQL; the gaps written by the
// ingest's own writer (OffsetStore.movePosition).
import type { Role } from '@scantrail/access';
import { OffsetStore, type PositionMove } from '@scantrail/storage';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import type {
  IngestGapsQuery,
  IngestGapsQueryVariables,
} from '../../apps/dashboard/src/api/graphql-types.generated';
import { INGEST_GAPS } from '../../apps/dashboard/src/ledger/ingest-gaps.queries';
import { startTestApi } from '../support/e2e-stack';
import { roleTokens } from '../support/role-token';
import { createTestDatabase, testSettings, type TestDatabase } from '../support/test-env';

const settings = testSettings();
const GROUP = 'gaps-api';
const TOPIC = 'imaging.lineage.events';
let db: TestDatabase;
let api: RunningApi;

const token = roleTokens(settings.authJwtSecret, 'gaps');

interface Answer {
  data?: IngestGapsQuery | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The dashboard's own document, as `bearer`. */
async function ask(bearer: string, variables: IngestGapsQueryVariables): Promise<Answer> {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query: INGEST_GAPS, variables }),
  });
  return (await response.json()) as Answer;
}

const moves: PositionMove[] = [
  // The topic created again while the ingest was stopped: read again, nothing lost.
  {
    partition: 1,
    cause: 'log_end_before_position',
    storedOffset: '6',
    resumedAt: '0',
    lost: 0,
    earliestOffset: '0',
    highWatermark: '2',
  },
  // Retention shorter than the ingest was behind: offsets 14-16 deleted unread.
  {
    partition: 0,
    cause: 'deleted_unread',
    storedOffset: '14',
    resumedAt: '17',
    lost: 3,
    earliestOffset: '17',
    highWatermark: '20',
  },
  {
    partition: 2,
    cause: 'deleted_unread',
    storedOffset: '100',
    resumedAt: '350',
    lost: 250,
    earliestOffset: '350',
    highWatermark: '400',
  },
];

beforeAll(async () => {
  db = await createTestDatabase();
  const offsets = new OffsetStore(GROUP, TOPIC);
  for (const move of moves) {
    await db.dataSource.query(
      `INSERT INTO ingest_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)`,
      [GROUP, TOPIC, move.partition, move.storedOffset],
    );
    expect(await offsets.movePosition(db.dataSource, move)).toBe(true);
  }
  api = await startTestApi(settings, db.dataSource);
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('ingestGaps', () => {
  it.each<[Role]>([['privacy_officer'], ['auditor']])(
    'should list every gap newest first, with what was lost and where, to a %s',
    async (role) => {
      const answer = await ask(token([role]), { first: 10 });
      expect(answer.errors).toBeUndefined();
      const page = answer.data!.ingestGaps;
      expect(page.totalCount).toBe(3);
      expect(page.pageInfo.hasNextPage).toBe(false);
      expect(page.edges.map((e) => ({ ...e.node, noticedAt: typeof e.node.noticedAt }))).toEqual([
        {
          kind: 'MESSAGES_LOST',
          cause: 'deleted_unread',
          topic: TOPIC,
          partition: 2,
          fromOffset: '100',
          toOffset: '350',
          count: 250,
          earliestOffset: '350',
          highWatermark: '400',
          consumerGroup: GROUP,
          noticedAt: 'string',
        },
        expect.objectContaining({
          kind: 'MESSAGES_LOST',
          partition: 0,
          fromOffset: '14',
          toOffset: '17',
          count: 3,
        }),
        expect.objectContaining({
          kind: 'POSITION_RESET',
          cause: 'log_end_before_position',
          partition: 1,
          fromOffset: '6',
          toOffset: '0',
          count: 0,
        }),
      ]);
      expect(Number.isNaN(Date.parse(page.edges[0].node.noticedAt))).toBe(false);
    },
  );

  it('should page through them, and count and list only the losses when asked', async () => {
    const first = (await ask(token(['auditor']), { first: 2 })).data!.ingestGaps;
    expect(first.edges.map((e) => e.node.partition)).toEqual([2, 0]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await ask(token(['auditor']), { first: 2, after: first.pageInfo.endCursor }))
      .data!.ingestGaps;
    expect(rest.edges.map((e) => e.node.partition)).toEqual([1]);
    expect(rest.pageInfo.hasNextPage).toBe(false);

    const losses = (await ask(token(['auditor']), { kind: 'MESSAGES_LOST', first: 1 })).data!
      .ingestGaps;
    expect(losses.totalCount).toBe(2);
    expect(losses.edges.map((e) => e.node.partition)).toEqual([2]);
    const more = (
      await ask(token(['auditor']), {
        kind: 'MESSAGES_LOST',
        first: 5,
        after: losses.pageInfo.endCursor,
      })
    ).data!.ingestGaps;
    expect(more.edges.map((e) => e.node.partition)).toEqual([0]);
  });

  it('should refuse a vendor with FORBIDDEN and show it nothing', async () => {
    const answer = await ask(token(['vendor'], 'vnd-1'), { first: 10 });
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(answer.data?.ingestGaps ?? null).toBeNull();
    expect(JSON.stringify(answer)).not.toContain('deleted_unread');
  });

  it('should refuse a cursor of another list and a page past the cap', async () => {
    const bad = await ask(token(['auditor']), { first: 2, after: 'bm90LWEtY3Vyc29y' });
    expect(bad.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const tooMany = await ask(token(['auditor']), { first: 100_000 });
    expect(tooMany.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
