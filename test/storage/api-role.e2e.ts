import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '@scantrail/local-postgres';
import { LEDGER_LOCK_CLASS, migrateAs, type Database } from '@scantrail/storage';
import { Client } from 'pg';
import { connectUntilRefused, openEmbeddedDatabase, queryAs } from '../support/database-role';

// Least privilege between the apps (CONTRACT 5, v1.1: "only the rights the apps need"). The
// API answers the network; the ingest is the ledger's only writer. With the API's
// credentials one could, on a shared role: hold the ledger's sequencer lock (every partition
// of the ingest then waits for ever, silently), end the ingest's sessions, and write ledger
// rows and read models. Reproduce on the embedded server of `npm start`:
//   psql "<the API's DATABASE_URL>" -c 'SELECT pg_advisory_lock(23674, 1)'
// and the ingest stops recording. The API's connection is the embedded server's API URL
// (what apps/api connects with by default).

let dataDir: string;
let database: Database;
let apiUrl: string;
let ingest: Client;

const asApi = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
  queryAs<T>(apiUrl, sql, params);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'scantrail-api-role-'));
  database = await openEmbeddedDatabase(dataDir, 'api-role-e2e', 2);
  apiUrl = database.apiUrl;
  ingest = new Client({ connectionString: database.url, application_name: 'scantrail-ingest' });
  ingest.on('error', () => undefined); // ended by the API's role on main: the test says so
  await ingest.connect();
}, 300_000);

afterAll(async () => {
  await ingest?.end().catch(() => undefined);
  await database?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the API's database role", () => {
  it("should be refused the ledger's sequencer lock, which the ingest still takes", async () => {
    for (const sql of [
      'SELECT pg_advisory_lock($1, 1)',
      'SELECT pg_try_advisory_lock($1, 1)',
      'SELECT pg_advisory_lock_shared($1, 1)',
    ]) {
      await expect(asApi(sql, [LEDGER_LOCK_CLASS])).rejects.toMatchObject({ code: '42501' });
    }
    await ingest.query('BEGIN');
    await ingest.query('SELECT pg_advisory_xact_lock($1, 1)', [LEDGER_LOCK_CLASS]);
    await ingest.query('COMMIT');
  });

  it("should be refused ending the ingest's sessions", async () => {
    const {
      rows: [{ pid }],
    } = await ingest.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await expect(asApi('SELECT pg_terminate_backend($1)', [pid])).rejects.toMatchObject({
      code: '42501',
    });
    await expect(asApi('SELECT pg_cancel_backend($1)', [pid])).rejects.toMatchObject({
      code: '42501',
    });
    await expect(ingest.query('SELECT 1 AS alive')).resolves.toMatchObject({
      rows: [{ alive: 1 }],
    });
  });

  // DEFAULT VALUES: the rights are checked before any row is made (a role allowed to insert
  // gets a not-null violation instead, 23502).
  it.each([
    ['a ledger row', 'INSERT INTO ledger_entries DEFAULT VALUES'],
    ['a ledger hash', 'INSERT INTO ledger_hashes DEFAULT VALUES'],
    ['a checkpoint', 'INSERT INTO ledger_checkpoints DEFAULT VALUES'],
    ['a quarantined message', 'INSERT INTO quarantined_messages DEFAULT VALUES'],
    ['a consumed offset', 'INSERT INTO ingest_offsets DEFAULT VALUES'],
    ['the findings', 'DELETE FROM rm_finding_rows'],
    ["the agreement findings' details", 'DELETE FROM rm_finding_details'],
    ['the studies read model', 'DELETE FROM rm_studies'],
    ["the findings worker's progress", 'INSERT INTO findings_progress DEFAULT VALUES'],
    ["the bridge's held sends", 'DELETE FROM bridge_held'],
    ["the bridge's unrecorded sends", 'DELETE FROM bridge_unrecorded_sends'],
    ['a send the bridge could not record', 'INSERT INTO bridge_unrecorded_sends DEFAULT VALUES'],
    // The ingest's record of messages lost to the ledger (s35-lost): read, never written.
    ['a loss the ingest noticed', 'INSERT INTO ingest_gaps DEFAULT VALUES'],
    ['the losses the ingest kept', 'DELETE FROM ingest_gaps'],
    ['a kept loss changed', 'UPDATE ingest_gaps SET lost = 0'],
    ["the count of the bridge's unrecorded sends", 'UPDATE bridge_unrecorded_counts SET sends = 0'],
    // Row and table locks that would stop the ingest's writes as the ledger lock did.
    ["a lock on the ingest's offsets", 'SELECT 1 FROM ingest_offsets FOR KEY SHARE'],
    ['a lock on ledger rows', 'SELECT 1 FROM ledger_entries FOR SHARE'],
    ['a table lock on the ledger', 'BEGIN; LOCK TABLE ledger_entries IN SHARE MODE; COMMIT'],
    ['a table lock on the access log', 'BEGIN; LOCK TABLE access_log IN SHARE MODE; COMMIT'],
    ['a table lock on the findings', 'BEGIN; LOCK TABLE rm_finding_rows IN EXCLUSIVE MODE; COMMIT'],
  ])('should be refused writing %s (%s)', async (_what, sql) => {
    await expect(asApi(sql)).rejects.toMatchObject({ code: '42501' });
  });

  // The access log's id, time and writer's transaction id are the columns' defaults: a
  // record the API's credentials write by hand cannot be backdated, take another's id, or
  // take a transaction id that orders it where readers have passed or will never reach.
  it.each([
    ['a backdated time', 'at', "'2001-01-01T00:00:00Z'"],
    ['its own id', 'id', '1'],
    ['a transaction id of its choosing', 'xid', "'0'"],
    ['a transaction id past every real one', 'xid', "'9223372036854775807'"],
  ])('should be refused writing an access-log record with %s', async (_what, column, value) => {
    await expect(
      asApi(
        `INSERT INTO access_log (actor, roles, operation, patient_pseudonym, ${column})
         VALUES ('t', '{auditor}', 'test', 'p', ${value})`,
      ),
    ).rejects.toMatchObject({ code: '42501' });
  });

  // Temporary tables are every role's by default (TEMPORARY on the database is PUBLIC): the
  // API's credentials could fill the server's disk with rows of their own
  // (CREATE TEMP TABLE t AS SELECT ... FROM generate_series(...)), stopping every writer.
  // The API never makes one; `verify --read-models` (the apps' role) does.
  it('should be refused a temporary table, which the apps role still makes', async () => {
    await expect(asApi('CREATE TEMP TABLE intruder (x int)')).rejects.toMatchObject({
      code: '42501',
    });
    await ingest.query('CREATE TEMP TABLE verify_scratch (x int)');
    await ingest.query('DROP TABLE verify_scratch');
  });

  // The server takes max_connections (200 in the embedded one) sessions in all: the API's
  // credentials could open them all and leave the ingest none (its pool's reconnect, the
  // next start). The API needs a dozen (its pool of 10 and the start's 2).
  it("should be refused connections past the API's own limit, leaving the ingest its own", async () => {
    const { opened, refused } = await connectUntilRefused(apiUrl, 200);
    try {
      expect(refused).toMatchObject({ code: '53300' }); // too_many_connections
      expect(opened.length).toBeLessThanOrEqual(32);
      await expect(
        withClient(database.url, (c) => c.query('SELECT 1 AS ok')),
      ).resolves.toMatchObject({ rows: [{ ok: 1 }] });
    } finally {
      await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
    }
  });

  // s35-lost: the ingest's record of messages lost to the ledger is served by the API, which
  // must never add, change or hide one: SELECT and nothing else, checked right by right (an
  // INSERT granted would still fail above on the table's advisory lock, hiding the grant).
  it("should hold SELECT and no other right on the ingest's kept losses", async () => {
    const all = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
    const held = await asApi<{ privilege: string }>(
      `SELECT p AS privilege FROM unnest($1::text[]) p
        WHERE has_table_privilege(current_user, 'public.ingest_gaps', p)`,
      [all],
    );
    expect(held.map((r) => r.privilege)).toEqual(['SELECT']);
  });

  it('should still read the ledger and the read models and write the access log', async () => {
    await expect(asApi('SELECT count(*) FROM ledger_entries')).resolves.toHaveLength(1);
    await expect(asApi('SELECT count(*) FROM rm_findings')).resolves.toHaveLength(1);
    await expect(asApi('SELECT generation FROM findings_generation')).resolves.toHaveLength(1);
    await expect(asApi('SELECT count(*) FROM ingest_gaps')).resolves.toHaveLength(1);
    const [row] = await asApi<{ id: string }>(
      `INSERT INTO access_log (actor, roles, operation, patient_pseudonym)
       VALUES ('t', '{auditor}', 'test', 'p') RETURNING id`,
    );
    expect(row.id).toBeDefined();
  });

  // bench:api keeps its own table (bench_api_meta) in its database and migrates as the
  // owner with no apps' role: granting the API's role must not demand a TABLE_RIGHTS line
  // for another tool's table (the migration failed), and must leave that table unreadable.
  it("should be granted around another tool's table, which it cannot read", async () => {
    await withClient(database.migrationUrl, (c) =>
      c.query('CREATE TABLE other_tool_notes (note text)'),
    );
    try {
      await expect(migrateAs(database.migrationUrl, undefined)).resolves.toEqual([]);
      await expect(asApi('SELECT count(*) FROM other_tool_notes')).rejects.toMatchObject({
        code: '42501',
      });
      await expect(asApi('SELECT count(*) FROM rm_studies')).resolves.toHaveLength(1);
    } finally {
      await withClient(database.migrationUrl, (c) => c.query('DROP TABLE other_tool_notes'));
    }
  });

  // With an apps' role to grant, every table and view needs a TABLE_RIGHTS line: without one
  // the list would not say what the apps may do with it. migrate names it and does not finish.
  it.each([
    ['table', 'CREATE TABLE unlisted_notes (note text)', 'DROP TABLE unlisted_notes'],
    ['view', 'CREATE VIEW unlisted_notes AS SELECT 1 AS one', 'DROP VIEW unlisted_notes'],
  ])(
    'should refuse to finish migrating while a %s has no TABLE_RIGHTS line',
    async (_kind, create, drop) => {
      await withClient(database.migrationUrl, (c) => c.query(create));
      try {
        await expect(migrateAs(database.migrationUrl, database.url)).rejects.toThrow(
          'table or view unlisted_notes has no line in TABLE_RIGHTS',
        );
      } finally {
        await withClient(database.migrationUrl, (c) => c.query(drop));
      }
      await expect(migrateAs(database.migrationUrl, database.url)).resolves.toEqual([]);
    },
  );

  // An extension's own views in public (pg_stat_statements, which operators add) are the
  // extension's, not the apps': they need no TABLE_RIGHTS line, and migrate goes on.
  it("should migrate beside an extension's views in public", async () => {
    const creds = JSON.parse(
      readFileSync(join(dataDir, 'postgres', 'credentials.json'), 'utf8'),
    ) as { superuser: string };
    const superuser = new URL(database.url);
    superuser.username = 'postgres';
    superuser.password = creds.superuser;
    await withClient(superuser.toString(), (c) =>
      c.query('CREATE EXTENSION pg_stat_statements SCHEMA public'),
    );
    try {
      await expect(migrateAs(database.migrationUrl, database.url)).resolves.toEqual([]);
    } finally {
      await withClient(superuser.toString(), (c) => c.query('DROP EXTENSION pg_stat_statements'));
    }
  });
});

// PostgreSQL lets every role change its own password (ALTER ROLE CURRENT_USER PASSWORD):
// no privilege takes that away. On a role shared by the API and the ingest, the API's
// credentials could lock the ingest out of every new connection (a pool's reconnect after
// a dropped connection, the next start). Now it locks out only the API, and the embedded
// server's next start sets the kept password again.
describe("the API's role changing its own password", () => {
  it("should leave the ingest's role connecting, and the next start of the embedded server should restore it", async () => {
    await asApi("ALTER ROLE CURRENT_USER PASSWORD 'changed-by-an-attacker'");
    await expect(withClient(apiUrl, (c) => c.query('SELECT 1'))).rejects.toMatchObject({
      code: '28P01',
    });
    await expect(withClient(database.url, (c) => c.query('SELECT 1 AS ok'))).resolves.toMatchObject(
      { rows: [{ ok: 1 }] },
    );
    await ingest.end();
    await database.close();
    database = await openEmbeddedDatabase(dataDir, 'api-role-e2e', 2);
    expect(database.apiUrl).toBe(apiUrl);
    await expect(asApi('SELECT 1 AS ok')).resolves.toEqual([{ ok: 1 }]);
  }, 300_000);
});

// A data folder made before the API's role (main before v1.1: three roles, credentials
// without `api`, the lock functions PUBLIC, the migration not applied) keeps working: its
// next start makes the role, keeps the other passwords and grants it.
describe('a data folder made before the API had a role of its own', () => {
  let oldDir: string;
  let reopened: Database | undefined;

  afterAll(async () => {
    await reopened?.close();
    if (oldDir) rmSync(oldDir, { recursive: true, force: true });
  });

  it('should start, keep the apps role and its data, and give the API its own role', async () => {
    oldDir = mkdtempSync(join(tmpdir(), 'scantrail-api-role-old-'));
    const first = await openEmbeddedDatabase(oldDir, 'api-role-old', 1);
    await first.dataSource.query(
      `INSERT INTO access_log (actor, roles, operation, patient_pseudonym) VALUES ('before', '{auditor}', 'test', 'p')`,
    );
    const file = join(oldDir, 'postgres', 'credentials.json');
    const { api: _api, ...mainCredentials } = JSON.parse(readFileSync(file, 'utf8')) as Record<
      string,
      string
    >;
    const admin = new URL(first.migrationUrl);
    admin.username = 'postgres';
    admin.password = mainCredentials.superuser;
    await withClient(admin.toString(), async (c) => {
      await c.query(`DELETE FROM migrations WHERE name = 'ApiRole1764108000000'`);
      await c.query('DROP OWNED BY scantrail_api');
      await c.query(`GRANT EXECUTE ON FUNCTION pg_advisory_lock(integer, integer) TO PUBLIC`);
    });
    admin.pathname = '/postgres';
    await withClient(admin.toString(), (c) => c.query('DROP ROLE scantrail_api'));
    writeFileSync(file, JSON.stringify(mainCredentials), { mode: 0o600 });
    await first.close();

    reopened = await openEmbeddedDatabase(oldDir, 'api-role-old', 1);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(kept).toMatchObject(mainCredentials);
    expect(kept.api).toMatch(/^[0-9a-f]{48}$/);
    expect(new URL(reopened.url).password).toBe(mainCredentials.app);
    const [row] = await withClient(reopened.apiUrl, async (c) => {
      await expect(c.query('SELECT pg_advisory_lock(23674, 1)')).rejects.toMatchObject({
        code: '42501',
      });
      return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM access_log')).rows;
    });
    expect(row.n).toBe(1);
    const applied = await reopened.dataSource.query<{ name: string }[]>(
      `SELECT name FROM migrations WHERE name = 'ApiRole1764108000000'`,
    );
    expect(applied).toHaveLength(1);
  }, 300_000);
});
