import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '@scantrail/local-postgres';
import { FINDINGS_LOCK_CLASS } from '@scantrail/projection';
import { LEDGER_LOCK_CLASS, openDatabase, type Database } from '@scantrail/storage';
import { Client } from 'pg';
import { connectUntilRefused, openEmbeddedDatabase, queryAs } from '../support/database-role';

// Least privilege between the writers (CONTRACT 5, v1.1: "only the rights the apps need").
// The Orthanc bridge reads Orthanc and produces to Kafka; in PostgreSQL it keeps only its own
// state (the bridge_* tables: cursor, pending and known studies, jobs done, held sends,
// destinations). On the apps' role, shared with the ingest and the CLI, a leaked bridge
// credential could: move the ingest's consumed offsets forward (the ingest then skips those
// messages for good: lost events, nothing logged), add ledger rows and checkpoints, forge
// access-log records, rewrite read models, hold the ledger's and the findings' locks, end the
// ingest's sessions, and open every connection of the server. Reproduce on the embedded
// server of `npm start`:
//   psql "<the bridge's DATABASE_URL>" -c "UPDATE ingest_offsets SET next_offset = next_offset + 1000"
// The bridge's connection is the one apps/bridge connects with: the embedded server's
// bridge URL, the apps' URL where there is none.

let dataDir: string;
let database: Database;
let bridgeUrl: string;
let ingest: Client;

const asBridge = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
  queryAs<T>(bridgeUrl, sql, params);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'scantrail-bridge-role-'));
  database = await openEmbeddedDatabase(dataDir, 'bridge-role-e2e', 2);
  bridgeUrl = (database as Database & { bridgeUrl?: string }).bridgeUrl ?? database.url;
  ingest = new Client({ connectionString: database.url, application_name: 'scantrail-ingest' });
  ingest.on('error', () => undefined); // ended by the bridge's role on main: the test says so
  await ingest.connect();
  await ingest.query(
    `INSERT INTO ingest_offsets (group_id, topic, partition, next_offset) VALUES ('g', 't', 0, 10)`,
  );
}, 300_000);

afterAll(async () => {
  await ingest?.end().catch(() => undefined);
  await database?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the Orthanc bridge's database role", () => {
  it("should be refused moving the ingest's consumed offsets (messages skipped for good)", async () => {
    await expect(
      asBridge('UPDATE ingest_offsets SET next_offset = next_offset + 1000'),
    ).rejects.toMatchObject({ code: '42501' });
    const { rows } = await ingest.query<{ next: string }>(
      'SELECT next_offset::text AS next FROM ingest_offsets',
    );
    expect(rows).toEqual([{ next: '10' }]);
  });

  it.each([
    ['ledger', LEDGER_LOCK_CLASS],
    ['findings', FINDINGS_LOCK_CLASS],
  ])('should be refused the %s lock', async (_what, lockClass) => {
    await expect(asBridge('SELECT pg_advisory_lock($1, 1)', [lockClass])).rejects.toMatchObject({
      code: '42501',
    });
  });

  it("should be refused ending the ingest's sessions", async () => {
    const {
      rows: [{ pid }],
    } = await ingest.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await expect(asBridge('SELECT pg_terminate_backend($1)', [pid])).rejects.toMatchObject({
      code: '42501',
    });
    await expect(ingest.query('SELECT 1 AS alive')).resolves.toMatchObject({
      rows: [{ alive: 1 }],
    });
  });

  // DEFAULT VALUES: the rights are checked before any row is made.
  it.each([
    ['a ledger row', 'INSERT INTO ledger_entries DEFAULT VALUES'],
    ['a ledger hash', 'INSERT INTO ledger_hashes DEFAULT VALUES'],
    ['a checkpoint', 'INSERT INTO ledger_checkpoints DEFAULT VALUES'],
    ['an access-log record', 'INSERT INTO access_log DEFAULT VALUES'],
    ['a quarantined message', 'INSERT INTO quarantined_messages DEFAULT VALUES'],
    ['the findings', 'DELETE FROM rm_finding_rows'],
    ["the agreement findings' details", 'DELETE FROM rm_finding_details'],
    ['the studies read model', 'DELETE FROM rm_studies'],
    ["the findings worker's progress", 'UPDATE findings_progress SET complete_through = 0'],
    ['reads of the ledger', 'SELECT count(*) FROM ledger_entries'],
    ['reads of the access log', 'SELECT count(*) FROM access_log'],
    ["reads of the ingest's kept losses", 'SELECT count(*) FROM ingest_gaps'],
    ['a loss written as if the ingest noticed it', 'INSERT INTO ingest_gaps DEFAULT VALUES'],
    ['a lock on ledger rows', 'SELECT 1 FROM ledger_entries FOR SHARE'],
    ['a table lock on the ledger', 'BEGIN; LOCK TABLE ledger_entries IN SHARE MODE; COMMIT'],
    ['a temporary table', 'CREATE TEMP TABLE intruder (x int)'],
    // What it could not record stays as it noticed it, for the privacy officer.
    [
      'changing a send it could not record',
      "UPDATE bridge_unrecorded_sends SET reason = 'no_study'",
    ],
    ['removing the sends it could not record', 'DELETE FROM bridge_unrecorded_sends'],
    // Their count is the owner's triggers' to move (migration 1764119000000).
    [
      'setting the count of the sends it could not record',
      'UPDATE bridge_unrecorded_counts SET sends = 0',
    ],
    ['adding a count of its own', 'INSERT INTO bridge_unrecorded_counts DEFAULT VALUES'],
  ])('should be refused %s (%s)', async (_what, sql) => {
    await expect(asBridge(sql)).rejects.toMatchObject({ code: '42501' });
  });

  it('should be refused connections past its own limit, leaving the ingest its own', async () => {
    const { opened, refused } = await connectUntilRefused(bridgeUrl, 200);
    try {
      expect(refused).toMatchObject({ code: '53300' }); // too_many_connections
      expect(opened.length).toBeLessThanOrEqual(16);
      await expect(
        withClient(database.url, (c) => c.query('SELECT 1 AS ok')),
      ).resolves.toMatchObject({ rows: [{ ok: 1 }] });
    } finally {
      await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
    }
  });

  it('should still keep its own state and see that the schema is current', async () => {
    await asBridge(
      `INSERT INTO bridge_cursors (source, change_seq, journal_offset) VALUES ('e2e', 1, 0)`,
    );
    await asBridge(`UPDATE bridge_cursors SET change_seq = 2 WHERE source = 'e2e'`);
    await asBridge(
      `INSERT INTO bridge_pending_studies (source, orthanc_id, arrived_at) VALUES ('e2e', 'o1', now())`,
    );
    await asBridge(`DELETE FROM bridge_pending_studies WHERE source = 'e2e'`);
    await asBridge(
      `INSERT INTO bridge_unrecorded_sends (source, job_key, reason, job_type, destination_kind)
       VALUES ('e2e', 'k1', 'dicomweb_unnamed', 'DicomWebStowClient', 'dicomweb')`,
    );
    await expect(
      asBridge(`SELECT reason FROM bridge_unrecorded_sends WHERE source = 'e2e'`),
    ).resolves.toEqual([{ reason: 'dicomweb_unnamed' }]);
    await expect(
      asBridge(`SELECT sends::int FROM bridge_unrecorded_counts WHERE source = 'e2e'`),
    ).resolves.toEqual([{ sends: 1 }]);
    for (const table of [
      'bridge_jobs_done',
      'bridge_held',
      'bridge_known_studies',
      'bridge_destinations',
    ]) {
      await expect(asBridge(`SELECT count(*) FROM ${table}`)).resolves.toHaveLength(1);
    }
    await expect(asBridge('SELECT count(*) FROM migrations')).resolves.toHaveLength(1);
    expect(new URL(bridgeUrl).username).toBe('scantrail_bridge');
  });
});

// The bridge as `npm start` runs it: given BRIDGE_DATABASE_URL alone, it does not migrate
// (its role cannot), checks that nothing is pending, and its pool is its own role.
describe('the bridge opened with its own URL only', () => {
  it('should connect as its role and find the schema current', async () => {
    const own = await openDatabase({
      bridgeDatabaseUrl: bridgeUrl,
      as: 'bridge',
      dataDir,
      name: 'bridge-own-url',
      poolSize: 1,
    });
    try {
      const [who] = await own.dataSource.query<{ user: string }[]>('SELECT current_user AS user');
      expect(who.user).toBe('scantrail_bridge');
    } finally {
      await own.close();
    }
  });
});

// A data folder made before the bridge's role (main before session 17: four roles,
// credentials without `bridge`, the migration not applied) keeps working: its next start
// makes the role, keeps the other passwords and the bridge's state, and grants it.
describe('a data folder made before the bridge had a role of its own', () => {
  it('should start, keep the other roles and the bridge state, and give the bridge its own role', async () => {
    // The bridge's state as the old bridge wrote it, on the apps' role.
    await ingest.query(
      `INSERT INTO bridge_cursors (source, change_seq, journal_offset) VALUES ('before', 7, 0)`,
    );
    const file = join(dataDir, 'postgres', 'credentials.json');
    const { bridge: _bridge, ...before } = JSON.parse(readFileSync(file, 'utf8')) as Record<
      string,
      string
    >;
    const admin = new URL(database.migrationUrl);
    admin.username = 'postgres';
    admin.password = before.superuser;
    await withClient(admin.toString(), async (c) => {
      await c.query(`DELETE FROM migrations WHERE name = 'BridgeRole1764109500000'`);
      await c.query('DROP OWNED BY scantrail_bridge');
    });
    admin.pathname = '/postgres';
    await withClient(admin.toString(), (c) => c.query('DROP ROLE scantrail_bridge'));
    writeFileSync(file, JSON.stringify(before), { mode: 0o600 });
    await ingest.end();
    await database.close();

    database = await openEmbeddedDatabase(dataDir, 'bridge-role-e2e', 2);
    ingest = new Client({ connectionString: database.url });
    await ingest.connect();
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(kept).toMatchObject(before);
    expect(kept.bridge).toMatch(/^[0-9a-f]{48}$/);
    expect(new URL(database.url).password).toBe(before.app);
    bridgeUrl = database.bridgeUrl;
    expect(new URL(bridgeUrl).password).toBe(kept.bridge);
    await expect(
      asBridge(`SELECT change_seq::int AS seq FROM bridge_cursors WHERE source = 'before'`),
    ).resolves.toEqual([{ seq: 7 }]);
    await expect(asBridge('SELECT count(*) FROM ingest_offsets')).rejects.toMatchObject({
      code: '42501',
    });
    const applied = await database.dataSource.query<{ name: string }[]>(
      `SELECT name FROM migrations WHERE name = 'BridgeRole1764109500000'`,
    );
    expect(applied).toHaveLength(1);
  }, 300_000);
});
