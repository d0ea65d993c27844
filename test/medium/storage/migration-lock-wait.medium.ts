import { migrateAs, type AdvisoryLockHolder } from '@scantrail/storage';
import { Client } from 'pg';
import {
  connectedClient,
  createTestDatabase,
  idleReader,
  undoMigrationsThrough,
  type TestDatabase,
} from '../../support/test-env';

/**
 * A migration that must lock a table (here FindingDetails1764112000000, which renames
 * rm_findings and puts a view in its place, made pending again by its own `down`) while
 * a session of the apps' role sits idle in a transaction that read the table: without a
 * bound, its exclusive request waits for ever and every later reader of the table, the
 * API's, queues behind it. Real PostgreSQL.
 */
const LAST = 'FindingDetails1764112000000';

describe('a migration waiting for a table that an idle transaction holds (medium: PostgreSQL)', () => {
  let db: TestDatabase;
  let owner: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = await connectedClient(db.ownerUrl);
  });

  afterAll(async () => {
    await owner?.end();
    await db?.drop();
  });

  it('should let queued readers go on, name the holder when it gives up, and apply once the holder lets go', async () => {
    await undoMigrationsThrough(db.ownerUrl, LAST);
    const { rows: undone } = await owner.query('SELECT 1 FROM migrations WHERE name = $1', [LAST]);
    expect(undone).toHaveLength(0);
    const { client: holder, pid: holderPid } = await idleReader(db.url, 'rm_findings');
    const reader = await connectedClient(db.url);
    try {
      const waits: AdvisoryLockHolder[][] = [];
      let settled = false;
      const migrating = migrateAs(db.ownerUrl, db.url, db.apiUrl, db.bridgeUrl, {
        waitMs: 1_000,
        pauseMs: 500,
        tries: 3,
        onWait: (holders) => waits.push(holders),
      }).finally(() => {
        settled = true;
      });
      const outcome = migrating.then(
        () => 'applied',
        (error: Error) => error.message,
      );
      // The migration's exclusive request is queued behind the holder ...
      for (let i = 0; i < 100; i++) {
        const { rows: queued } = await owner.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks
            WHERE locktype = 'relation' AND mode = 'AccessExclusiveLock' AND NOT granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        if (queued[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      // ... and a reader arriving now gets its answer while the migration still tries.
      const read = await reader.query<{ n: number }>('SELECT count(*)::int AS n FROM rm_findings');
      expect(read.rows[0].n).toBeGreaterThanOrEqual(0);
      expect(settled).toBe(false);

      const message = await outcome;
      expect(message).toContain('migrations could not lock a table they change');
      expect(message).toContain(`pid ${holderPid}`);
      expect(waits).toHaveLength(3);
      expect(waits[0].map((h) => h.pid)).toContain(holderPid);
      // Rolled back: still pending.
      const { rows: pending } = await owner.query('SELECT 1 FROM migrations WHERE name = $1', [
        LAST,
      ]);
      expect(pending).toHaveLength(0);

      await holder.query('ROLLBACK');
      expect(await migrateAs(db.ownerUrl, db.url, db.apiUrl, db.bridgeUrl)).toContain(LAST);
      const { rows: kinds } = await owner.query<{ name: string; kind: string }>(
        `SELECT relname AS name, relkind AS kind FROM pg_class
          WHERE relname IN ('rm_findings', 'rm_finding_rows', 'rm_finding_details')
          ORDER BY relname`,
      );
      expect(kinds).toEqual([
        { name: 'rm_finding_details', kind: 'r' },
        { name: 'rm_finding_rows', kind: 'r' },
        { name: 'rm_findings', kind: 'v' },
      ]);
    } finally {
      await holder.end();
      await reader.end();
    }
  });
});
