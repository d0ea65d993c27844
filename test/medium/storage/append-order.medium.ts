import { Client } from 'pg';
import { isAppendOrderWait, isLedgerLockWait } from '@scantrail/storage';
import {
  connectedClient,
  createTestDatabase,
  undoMigrationsThrough,
  type TestDatabase,
} from '../../support/test-env';

/**
 * The ingest's history tables are read in keyset pages (`WHERE id > cursor ORDER BY id`:
 * the quarantine, the re-used event ids). A row must never become visible behind a cursor a
 * reader already passed: two writers that draw ids in one order and commit in the other
 * (two ingest instances, a refused message quarantined on its own beside another
 * partition's batch) would make a paged export miss it for good. Migration 1764113000000
 * serializes each table's appends until commit. The access log is left out on purpose (its
 * writer, the API's role, takes no advisory lock): the last case shows that its ids may
 * commit out of order, which is why its reader pages in commit order instead (migration
 * 1764114000000, test/medium/queries/access-log-replicas.medium.ts).
 */
type Table = 'quarantined_messages' | 'ingest_duplicate_conflicts' | 'access_log';

/** One row of `table`, distinct by `n`, as the role that writes that table would insert it. */
function insertOf(table: Table, n: number): string {
  switch (table) {
    case 'quarantined_messages':
      return `INSERT INTO quarantined_messages (topic, partition, kafka_offset, reason, raw_key, raw_value)
              VALUES ('t', 0, ${n}, 'not_json: test', NULL, NULL)`;
    case 'access_log':
      return `INSERT INTO access_log (actor, roles, operation, patient_pseudonym)
              VALUES ('officer-${n}', '{privacy_officer}', 'accountingOfDisclosures', 'pp_${n}')`;
    case 'ingest_duplicate_conflicts':
      return `INSERT INTO ingest_duplicate_conflicts (topic, partition, kafka_offset, source, event_id,
                event_type, event_time, recorded_sequence, payload_digest)
              VALUES ('t', 0, ${n}, 's', 'e-${n}', 'org.scantrail.study.registered',
                '2024-01-01T00:00:00Z', 1, 'd')`;
  }
}

/** The ids after `cursor`, in order: one keyset page as the stores read them. */
async function pageAfter(reader: Client, table: Table, cursor: number): Promise<number[]> {
  const { rows } = await reader.query<{ id: string }>(
    `SELECT id::text AS id FROM ${table} WHERE id > $1 ORDER BY id`,
    [cursor],
  );
  return rows.map((r) => Number(r.id));
}

/** Whether session `pid` waits on an advisory lock now. */
async function waitsOnAdvisoryLock(observer: Client, pid: number): Promise<boolean> {
  const { rows } = await observer.query<{ waiting: boolean }>(
    `SELECT wait_event_type = 'Lock' AND wait_event = 'advisory' AS waiting
       FROM pg_stat_activity WHERE pid = $1`,
    [pid],
  );
  return rows[0]?.waiting === true;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting until ${what}`);
}

const writerUrl = (db: TestDatabase, table: Table): string =>
  table === 'access_log' ? db.apiUrl : db.url;

/**
 * A reader pages while writer A (first to insert, its transaction still open) and writer B
 * (inserting after it) append; A commits last. Returns what the reader saw, page by page.
 */
async function interleave(
  db: TestDatabase,
  table: Table,
  n: number,
  expectBlocked: boolean,
): Promise<{ seen: number[]; all: number[] }> {
  const a = await connectedClient(writerUrl(db, table));
  const b = await connectedClient(writerUrl(db, table));
  const reader = await connectedClient(db.ownerUrl);
  // Another role's wait events show to the superuser only (pg_read_all_stats).
  const observer = await connectedClient(db.superuserUrl);
  try {
    const start = Math.max(0, ...(await pageAfter(reader, table, 0)));
    await a.query('BEGIN');
    await a.query(insertOf(table, n));
    const bPid = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const bInsert = b.query(insertOf(table, n + 1));
    if (expectBlocked) {
      await until(() => waitsOnAdvisoryLock(observer, bPid), `B waits for A's append`);
      // B waits before it draws an id: the table's sequence is still at A's row.
      const [{ id: aId }] = (
        await a.query<{ id: string }>(`SELECT max(id)::text AS id FROM ${table}`)
      ).rows;
      const { rows: drawn } = await reader.query<{ last: string }>(
        `SELECT last_value::text AS last FROM ${table}_id_seq`,
      );
      expect(drawn[0].last).toBe(aId);
    } else {
      await bInsert;
    }
    // The reader pages now (B committed, or waiting), then after A commits, from its cursor.
    const first = await pageAfter(reader, table, start);
    const cursor = first.length > 0 ? Math.max(...first) : start;
    await a.query('COMMIT');
    await bInsert;
    const second = await pageAfter(reader, table, cursor);
    return { seen: [...first, ...second], all: await pageAfter(reader, table, start) };
  } finally {
    await Promise.all([a.end(), b.end(), reader.end(), observer.end()]);
  }
}

const TABLES: Table[] = ['quarantined_messages', 'ingest_duplicate_conflicts'];

describe('history tables in commit order (medium: PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  it.each(TABLES)(
    'should show a paging reader of %s every row, when a later writer waits for an earlier one to commit',
    async (table) => {
      const { seen, all } = await interleave(db, table, 10, true);
      expect(all).toHaveLength(2);
      expect(seen).toEqual(all);
    },
  );

  it('should refuse an append after 10 s behind a session that appended and sat idle, not hang', async () => {
    const idle = await connectedClient(db.url);
    const writer = await connectedClient(db.url);
    try {
      await idle.query('BEGIN');
      await idle.query(insertOf('quarantined_messages', 30));
      const started = Date.now();
      const error = await writer.query(insertOf('quarantined_messages', 31)).then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(error?.code).toBe('55P03');
      // The ingest tells it from a wait for the ledger's lock.
      expect(isAppendOrderWait(error)).toBe(true);
      expect(isLedgerLockWait(error)).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
    } finally {
      await idle.query('ROLLBACK');
    }
    try {
      // After an append that succeeded, in the same transaction: the function's own wait
      // limit did not stay in the writer's session (a failed transaction would have undone
      // any setting anyway, so this is checked after one that commits).
      await writer.query('BEGIN');
      await writer.query(insertOf('quarantined_messages', 32));
      const { rows } = await writer.query<{ lock_timeout: string }>('SHOW lock_timeout');
      expect(rows[0].lock_timeout).toBe('0');
      await writer.query('COMMIT');
    } finally {
      await Promise.all([idle.end(), writer.end()]);
    }
  }, 30_000);

  it("should still let the API's role append to the access log without waiting, its ids out of commit order", async () => {
    // Two API replicas' groups: one commits after the other drew a later id. The API's role
    // takes no advisory lock (whoever holds its credentials must not hold back a writer),
    // so the first is not waited for, and a reader paging by id between the two commits
    // passes it: the access log's reader pages by transaction id instead.
    const { seen, all } = await interleave(db, 'access_log', 40, false);
    expect(all).toHaveLength(2);
    expect(seen).toEqual([all[1]]);
  });

  describe('without migration 1764113000000 (what it prevents)', () => {
    let old: TestDatabase;

    beforeAll(async () => {
      old = await createTestDatabase();
      await undoMigrationsThrough(old.ownerUrl, 'AppendsInCommitOrder1764113000000');
    });

    afterAll(() => old.drop());

    it.each(TABLES)('should lose a row of %s to a paging reader', async (table) => {
      const { seen, all } = await interleave(old, table, 20, false);
      expect(all).toHaveLength(2);
      // The row of the writer that drew the smaller id but committed last is never seen.
      expect(seen).toEqual([all[1]]);
    });
  });
});
