import {
  createDataSource,
  IngestGapStore,
  OffsetStore,
  type PositionMove,
} from '@scantrail/storage';
import type { Client } from 'pg';
import { connectedClient, createTestDatabase, type TestDatabase } from '../../support/test-env';

/**
 * Messages Kafka deleted before the ingest read them, and stored positions moved because the
 * log no longer held what they said was read, are kept in ingest_gaps (migration
 * 1764118500000) by the statement that moves the position: so each is kept exactly once,
 * whoever notices it how often, and a session that dies before its commit leaves neither the
 * move nor the record (the next start notices it again, once).
 */
const GROUP = 'gaps-group';
const TOPIC = 'gaps-topic';

const lost: PositionMove = {
  partition: 0,
  storedOffset: '14',
  resumedAt: '17',
  cause: 'deleted_unread',
  lost: 3,
  earliestOffset: '17',
  highWatermark: '20',
};

describe('ingest gaps, kept with the position moves (real PostgreSQL)', () => {
  let db: TestDatabase;
  let owner: Client;
  const offsets = new OffsetStore(GROUP, TOPIC);
  const gaps = new IngestGapStore();

  const standAt = async (partition: number, next: string): Promise<void> => {
    await owner.query(
      `INSERT INTO ingest_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`,
      [GROUP, TOPIC, partition, next],
    );
  };
  const storedNext = async (partition: number): Promise<string | undefined> =>
    (await offsets.nextOffsets(db.dataSource, [partition])).get(partition)?.next;
  const rowsOf = async (partition: number): Promise<{ kind: string; count: string }[]> =>
    (
      await owner.query<{ kind: string; count: string }>(
        `SELECT kind, lost::text AS count FROM ingest_gaps WHERE partition = $1 ORDER BY id`,
        [partition],
      )
    ).rows;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = await connectedClient(db.ownerUrl);
  });

  afterAll(async () => {
    await owner?.end();
    await db?.drop();
  });

  it('should keep a loss with its partition, offsets and count when the position moves past it', async () => {
    await standAt(0, '14');
    expect(await offsets.movePosition(db.dataSource, lost)).toBe(true);
    expect(await storedNext(0)).toBe('17');
    const page = await gaps.page(db.dataSource, undefined, 10);
    expect(page.total).toBe(1);
    expect(page.gaps).toEqual([
      expect.objectContaining({
        groupId: GROUP,
        topic: TOPIC,
        partition: 0,
        kind: 'MESSAGES_LOST',
        cause: 'deleted_unread',
        fromOffset: '14',
        toOffset: '17',
        count: 3,
        earliestOffset: '17',
        highWatermark: '20',
      }),
    ]);
    expect(page.gaps[0].noticedAt).toBeInstanceOf(Date);
  });

  it('should keep the same loss once when it is noticed again (another member, a second look)', async () => {
    expect(await offsets.movePosition(db.dataSource, lost)).toBe(false);
    expect(await rowsOf(0)).toEqual([{ kind: 'MESSAGES_LOST', count: '3' }]);
  });

  it('should keep a loss once when two members notice it at the same moment', async () => {
    await standAt(1, '5');
    const move = { ...lost, partition: 1, storedOffset: '5', resumedAt: '9', lost: 4 };
    const moved = await Promise.all([
      offsets.movePosition(db.dataSource, move),
      offsets.movePosition(db.dataSource, move),
      offsets.movePosition(db.dataSource, move),
    ]);
    expect(moved.filter(Boolean)).toHaveLength(1);
    expect(await rowsOf(1)).toEqual([{ kind: 'MESSAGES_LOST', count: '4' }]);
  });

  it('should keep neither the move nor the loss when the session dies before its commit, and both once when noticed again', async () => {
    await standAt(2, '30');
    const move = { ...lost, partition: 2, storedOffset: '30', resumedAt: '40', lost: 10 };
    // Another session holds the partition's row: the move waits in its statement.
    const holder = await connectedClient(db.ownerUrl);
    await holder.query('BEGIN');
    await holder.query(
      `SELECT 1 FROM ingest_offsets WHERE group_id = $1 AND topic = $2 AND partition = 2 FOR UPDATE`,
      [GROUP, TOPIC],
    );
    // The ingest's own pool, told of its connection's end as the ingest's is.
    const dying = createDataSource(db.url, {
      name: 'gaps-dying',
      poolSize: 1,
      onConnectionError: () => undefined,
    });
    await dying.initialize();
    const attempt = offsets.movePosition(dying, move).then(
      (moved) => ({ moved }),
      (error: unknown) => ({ error }),
    );
    // The superuser sees every session's statement (the owner does not see the apps role's).
    const superuser = await connectedClient(db.superuserUrl);
    let waiting: number | undefined;
    for (let i = 0; i < 80 && waiting === undefined; i++) {
      const { rows } = await superuser.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%ingest_gaps%'`,
      );
      waiting = rows[0]?.pid;
      if (waiting === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(waiting).toBeDefined();
    // The process dies (its connection ends) while the move is in its transaction.
    await superuser.query('SELECT pg_terminate_backend($1)', [waiting]);
    await superuser.end();
    const outcome = await attempt;
    expect('error' in outcome && outcome.error instanceof Error).toBe(true);
    await dying.destroy();
    await holder.query('ROLLBACK');
    await holder.end();
    expect(await storedNext(2)).toBe('30');
    expect(await rowsOf(2)).toEqual([]);
    // The next start checks the same stored position against the same log.
    expect(await offsets.movePosition(db.dataSource, move)).toBe(true);
    expect(await rowsOf(2)).toEqual([{ kind: 'MESSAGES_LOST', count: '10' }]);
  });

  it('should keep a position moved without a loss as a reset, and list everything newest first with a total', async () => {
    await standAt(3, '6');
    expect(
      await offsets.movePosition(db.dataSource, {
        partition: 3,
        storedOffset: '6',
        resumedAt: '0',
        cause: 'log_end_before_position',
        lost: 0,
        earliestOffset: '0',
        highWatermark: '2',
      }),
    ).toBe(true);
    const first = await gaps.page(db.dataSource, undefined, 2);
    expect(first.total).toBe(4);
    expect(first.gaps.map((g) => [g.partition, g.kind, g.count])).toEqual([
      [3, 'POSITION_RESET', 0],
      [2, 'MESSAGES_LOST', 10],
    ]);
    expect(first.more).toBe(true);
    const second = await gaps.page(db.dataSource, first.gaps[1].id, 2);
    expect(second.gaps.map((g) => g.partition)).toEqual([1, 0]);
    expect(second.more).toBe(false);
  });

  it('should name the losses noticed since a time, for /health, and not the resets', async () => {
    const since = new Date(Date.now() - 60_000);
    const recent = await gaps.lossesSince(db.dataSource, GROUP, TOPIC, since);
    expect(recent.map((g) => g.partition).sort()).toEqual([0, 1, 2]);
    expect(
      await gaps.lossesSince(db.dataSource, GROUP, TOPIC, new Date(Date.now() + 60_000)),
    ).toEqual([]);
    expect(await gaps.lossesSince(db.dataSource, 'another-group', TOPIC, since)).toEqual([]);
  });

  it('should refuse UPDATE, DELETE and TRUNCATE of a kept gap even to the owner', async () => {
    for (const sql of [
      'UPDATE ingest_gaps SET lost = 0',
      'DELETE FROM ingest_gaps',
      'TRUNCATE ingest_gaps',
    ]) {
      await expect(owner.query(sql)).rejects.toThrow(/append-only/);
    }
  });
});
