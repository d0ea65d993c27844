import { SETTLE_WAIT_MS, Viewer, type AccessRecord } from '@scantrail/access';
import { createDataSource, migrateAs } from '@scantrail/storage';
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { AccessLogQueryService } from '../../../apps/api/src/access-log/access-log-query.service';
import { PrimaryAccessLog } from '../../../apps/api/src/access-log/primary-access-log';
import {
  connectedClient,
  createTestDatabase,
  undoMigrationsThrough,
  type TestDatabase,
} from '../../support/test-env';

/**
 * Two API replicas write the access log (each its own pool as the API's role, each its own
 * group commit) while a privacy officer pages it through the API's reader, following
 * endCursor as any client does. The log must give every record to that reader once: a record
 * committed after the reader passed its place would never be shown to it, and the export
 * would look complete.
 *
 * Replica A's insert is held between drawing its id and committing by a trigger of the test
 * (as the schema's owner: it waits on an advisory lock the test holds), standing for a
 * replica whose commit is slower than another's.
 */
const GATE = 0x5c7f01;
const officer = new Viewer('officer-export', ['privacy_officer']);

const record = (actor: string): AccessRecord => ({
  actor,
  roles: ['privacy_officer'],
  operation: 'accountingOfDisclosures',
  patientPseudonym: `pp-${actor}`,
});

interface Walk {
  actors: string[];
  /** Where the reader goes on from: the last endCursor it was given. */
  cursor: string | null;
}

/** Pages from `cursor` to the end as a client does (an empty page keeps its cursor). */
async function walk(reader: AccessLogQueryService, cursor: string | null): Promise<Walk> {
  const actors: string[] = [];
  for (;;) {
    const page = await reader.page(officer, { first: 2, after: cursor });
    actors.push(...page.edges.map((e) => e.node.actor));
    cursor = page.pageInfo.endCursor ?? cursor;
    if (!page.pageInfo.hasNextPage) return { actors, cursor };
  }
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('the access log paged while two API replicas write it (medium: PostgreSQL)', () => {
  let db: TestDatabase;
  let replicaA: DataSource;
  let replicaB: DataSource;
  let readerPool: DataSource;
  let owner: Client;
  let observer: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    const apiPool = (name: string): Promise<DataSource> =>
      createDataSource(db.apiUrl, { name, poolSize: 2 }).initialize();
    [replicaA, replicaB, readerPool] = await Promise.all([
      apiPool('replica-a'),
      apiPool('replica-b'),
      apiPool('replica-reader'),
    ]);
    owner = await connectedClient(db.ownerUrl);
    // Another role's wait events show to the superuser only (pg_read_all_stats).
    observer = await connectedClient(db.superuserUrl);
    await owner.query(`
      CREATE FUNCTION test_hold_replica_a() RETURNS trigger LANGUAGE plpgsql
      SECURITY DEFINER SET search_path = pg_catalog AS $$
      BEGIN
        IF NEW.actor LIKE 'replica-a%' THEN PERFORM pg_advisory_xact_lock_shared(${GATE}); END IF;
        RETURN NULL;
      END $$`);
    await owner.query(`CREATE TRIGGER test_hold_replica_a AFTER INSERT ON access_log
      FOR EACH ROW EXECUTE FUNCTION test_hold_replica_a()`);
  });

  afterAll(async () => {
    await owner?.end();
    await observer?.end();
    await Promise.all([replicaA, replicaB, readerPool].map((ds) => ds?.destroy()));
    await db?.drop();
  });

  /** Whether replica A's insert has drawn its id and waits on the test's gate. */
  const replicaAHeld = async (): Promise<boolean> => {
    const { rows } = await observer.query<{ held: boolean }>(
      `SELECT count(*) > 0 AS held FROM pg_stat_activity
        WHERE application_name = 'replica-a' AND wait_event_type = 'Lock'
          AND wait_event = 'advisory'`,
    );
    return rows[0].held;
  };

  it('should show a paging reader the record of a replica that drew an earlier id and committed after another', async () => {
    const writerA = new PrimaryAccessLog(replicaA);
    const writerB = new PrimaryAccessLog(replicaB);
    const reader = new AccessLogQueryService(readerPool, new PrimaryAccessLog(readerPool));

    await writerB.record(null, record('replica-b-before'));
    const start = await walk(reader, null);
    expect(start.actors).toEqual(['replica-b-before']);

    await owner.query('SELECT pg_advisory_lock($1)', [GATE]);
    let recordedA: Promise<void> | undefined;
    try {
      recordedA = writerA.record(null, record('replica-a'));
      await until(replicaAHeld, "replica A's insert drew its id and waits to commit");
      await writerB.record(null, record('replica-b'));
      const [{ ids }] = await db.dataSource.query<{ ids: string }[]>(
        'SELECT array_agg(id ORDER BY id)::text AS ids FROM access_log',
      );
      // Visible so far: B's two; A's id, drawn between them, is still uncommitted.
      expect(ids).toBe('{1,3}');

      // The officer pages on while A has not committed.
      const between = await walk(reader, start.cursor);
      await owner.query('SELECT pg_advisory_unlock($1)', [GATE]);
      await recordedA;
      // ... and once more from where it stopped, after A committed.
      const after = await walk(reader, between.cursor);

      const seen = [...start.actors, ...between.actors, ...after.actors];
      expect(seen.sort()).toEqual(['replica-a', 'replica-b', 'replica-b-before']);
      const whole = await walk(reader, null);
      expect(whole.actors.sort()).toEqual(seen);
      const counted = await reader.page(officer, { first: 0 });
      expect(await counted.totalCount).toBe(3);
    } finally {
      await owner.query('SELECT pg_advisory_unlock_all()');
      await recordedA?.catch(() => undefined);
    }
  }, 60_000);

  it('should not hold records back for a writing transaction of another database of the cluster, nor for a reader', async () => {
    const writer = new PrimaryAccessLog(replicaB);
    const reader = new AccessLogQueryService(readerPool, new PrimaryAccessLog(readerPool));
    const { cursor } = await walk(reader, null);
    // Transaction ids are the cluster's: this one, in the server's `postgres` database, is
    // older than the record below and stays open while the officer reads.
    const elsewhere = await connectedClient(db.superuserUrl.replace(/\/[^/]+$/, '/postgres'));
    // And a session of this database that read the log and idles in its transaction.
    const idleReader = await connectedClient(db.apiUrl);
    try {
      await elsewhere.query('BEGIN');
      await elsewhere.query('CREATE TEMP TABLE elsewhere_batch (n int)');
      await elsewhere.query('INSERT INTO elsewhere_batch VALUES (1)');
      await idleReader.query('BEGIN');
      await idleReader.query('SELECT count(*) FROM access_log');
      await writer.record(null, record('replica-b-while-elsewhere-writes'));
      const started = Date.now();
      const next = await walk(reader, cursor);
      expect(next.actors).toEqual(['replica-b-while-elsewhere-writes']);
      expect(Date.now() - started).toBeLessThan(SETTLE_WAIT_MS / 2);
    } finally {
      await elsewhere.query('ROLLBACK');
      await idleReader.query('ROLLBACK');
      await Promise.all([elsewhere.end(), idleReader.end()]);
    }
  });

  it('should answer without records behind a writing transaction of this database that outlasts the wait, and give them after the page once it ended', async () => {
    const writer = new PrimaryAccessLog(replicaB);
    const reader = new AccessLogQueryService(readerPool, new PrimaryAccessLog(readerPool));
    const { cursor } = await walk(reader, null);
    const total = async (): Promise<number> =>
      (await reader.page(officer, { first: 0 })).totalCount;
    const before = await total();
    // Any holder of the apps' credentials: began writing, sits in its transaction.
    const slow = await connectedClient(db.url);
    try {
      await slow.query('BEGIN');
      await slow.query(`INSERT INTO access_log (actor, roles, operation, patient_pseudonym)
                        VALUES ('slow-writer', '{privacy_officer}', 'accountingOfDisclosures', 'pp')`);
      await writer.record(null, record('replica-b-behind-slow'));
      const started = Date.now();
      const page = await reader.page(officer, { first: 10, after: cursor });
      expect(Date.now() - started).toBeGreaterThanOrEqual(SETTLE_WAIT_MS - 100);
      expect(page.edges).toEqual([]);
      expect(page.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
      // Counted all the same: the officer sees that the pages do not add up yet.
      expect(await total()).toBe(before + 1);
      await slow.query('COMMIT');
      const next = await walk(reader, cursor);
      expect(next.actors).toEqual(['slow-writer', 'replica-b-behind-slow']);
    } finally {
      await slow.end();
    }
  }, 60_000);

  it('should refuse a forged cursor with a negative transaction id as any cursor it did not give', async () => {
    const reader = new AccessLogQueryService(readerPool, new PrimaryAccessLog(readerPool));
    const forged = Buffer.from(JSON.stringify(['accessLog', -1, 0])).toString('base64url');
    await expect(reader.page(officer, { after: forged })).rejects.toMatchObject({
      name: 'InvalidArgumentError', // BAD_USER_INPUT
      message: expect.stringContaining('not a cursor of this accessLog list') as unknown,
    });
  });
});

describe('access-log cursors of the former id order (medium: PostgreSQL)', () => {
  let old: TestDatabase;
  let pool: DataSource;

  beforeAll(async () => {
    old = await createTestDatabase();
    await undoMigrationsThrough(old.ownerUrl, 'AccessLogCommitOrder1764114000000');
  });

  afterAll(async () => {
    await pool?.destroy();
    await old?.drop();
  });

  it('should go on from a cursor given before the migration, and ask to start again from one given by the former order since', async () => {
    const idCursor = (id: number): string =>
      Buffer.from(JSON.stringify(['accessLog', id])).toString('base64url');
    const api = await connectedClient(old.apiUrl);
    try {
      for (const actor of ['early-1', 'early-2', 'early-3']) {
        await api.query(
          `INSERT INTO access_log (actor, roles, operation, patient_pseudonym)
           VALUES ($1, '{privacy_officer}', 'accountingOfDisclosures', 'pp')`,
          [actor],
        );
      }
    } finally {
      await api.end();
    }
    // That migration first, then any later one.
    expect((await migrateAs(old.ownerUrl, old.url, old.apiUrl, old.bridgeUrl))[0]).toBe(
      'AccessLogCommitOrder1764114000000',
    );
    pool = await createDataSource(old.apiUrl, {
      name: 'after-migration',
      poolSize: 2,
    }).initialize();
    const log = new PrimaryAccessLog(pool);
    const reader = new AccessLogQueryService(pool, log);
    await log.record(null, record('late-4'));

    // The rows already there keep their order, before every later one.
    expect((await walk(reader, null)).actors).toEqual(['early-1', 'early-2', 'early-3', 'late-4']);
    // A cursor an officer held from before: on from the same place.
    expect((await walk(reader, idCursor(2))).actors).toEqual(['early-3', 'late-4']);
    // One an API of the former order gave for a record written since: no same place.
    await expect(reader.page(officer, { after: idCursor(4) })).rejects.toMatchObject({
      name: 'InvalidArgumentError', // BAD_USER_INPUT
      message: expect.stringContaining('page again from the start') as unknown,
    });
    // An id the log never had.
    await expect(reader.page(officer, { after: idCursor(99) })).rejects.toMatchObject({
      name: 'InvalidArgumentError', // BAD_USER_INPUT
    });
  });
});
