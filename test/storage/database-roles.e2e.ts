// CONTRACT section 5 (v1.1): the apps connect as a role that owns nothing and holds only
// the rights TABLE_RIGHTS lists; the schema owner migrates and grants. Every refusal here
// comes from PostgreSQL itself (SQLSTATE 42501), not from our code. Also: only the ingest
// signs checkpoints, and `verify --read-models` finds a read model that drifted.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '@scantrail/access';
import { EMPTY_TREE_HASH, openNote, parseCheckpoint, parseVerifierKey } from '@scantrail/ledger';
import { freePort } from '@scantrail/local-postgres';
import {
  createDataSource,
  QuarantineStore,
  PRIVILEGES,
  TABLE_RIGHTS,
  tablesWithoutRights,
} from '@scantrail/storage';
import { Client } from 'pg';
import { PATIENT_P, scenarioEvents } from '../api/api-scenario';
import {
  ingestEnvironment,
  startIngestProcess,
  type IngestProcess,
} from '../support/ingest-process';
import { cli } from '../support/cli-process';
import { attemptRolledBack } from '../support/database-role';
import {
  connectedClient,
  createTestDatabase,
  createTestTopic,
  DirectRecorder,
  e2eServices,
  eventually,
  idleReader,
  signCheckpoint,
  testSettings,
  type TestDatabase,
} from '../support/test-env';

const settings = testSettings();

const HISTORY = ['ledger_entries', 'ledger_hashes', 'quarantined_messages', 'access_log'];

async function historyCounts(client: Client): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of HISTORY) {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = rows[0].n;
  }
  return counts;
}

describe("the apps' database role", () => {
  let db: TestDatabase;
  let app: Client;
  let owner: Client;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const recorder = new DirectRecorder(db.dataSource, settings);
    await recorder.record([...Object.values(scenarioEvents()), Buffer.from('not json')]);
    await signCheckpoint(db.dataSource, settings);
    app = await connectedClient(db.url);
    owner = await connectedClient(db.ownerUrl);
    await app.query(
      `INSERT INTO access_log (actor, roles, operation, patient_pseudonym) VALUES ('t', '{auditor}', 'test', 'p')`,
    );
    dataDir = mkdtempSync(join(tmpdir(), 'scantrail-roles-'));
  });

  afterAll(async () => {
    await app?.end();
    await owner?.end();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['ALTER TABLE ledger_entries DISABLE TRIGGER ALL'],
    ['ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only'],
    ['DROP TRIGGER ledger_entries_append_only ON ledger_entries'],
    ['DROP TRIGGER access_log_append_only ON access_log'],
    ['DROP TRIGGER quarantined_messages_append_in_order ON quarantined_messages'],
    // The kept counts of the histories are their triggers' to move (1764119000000).
    ['DROP TRIGGER quarantined_messages_counted ON quarantined_messages'],
    ['UPDATE history_counts SET total = 0'],
    ['DROP TABLE ledger_entries'],
    ['DROP TABLE quarantined_messages'],
    ['DROP FUNCTION scantrail_refuse_change()'],
    ['SET session_replication_role = replica'],
    ['TRUNCATE ledger_entries'],
    ['TRUNCATE quarantined_messages'],
    ['TRUNCATE access_log'],
    ["UPDATE ledger_entries SET subject = 'x'"],
    ['DELETE FROM ledger_entries'],
    ['DELETE FROM ledger_hashes'],
    ['DELETE FROM ledger_checkpoints'],
    ["UPDATE quarantined_messages SET reason = 'x'"],
    ['DELETE FROM quarantined_messages'],
    ["UPDATE access_log SET actor = 'x'"],
    ['DELETE FROM access_log'],
    // The re-used event ids an auditor reads: history too.
    ["UPDATE ingest_duplicate_conflicts SET source = 'x'"],
    ['DELETE FROM ingest_duplicate_conflicts'],
    ['TRUNCATE ingest_duplicate_conflicts'],
    ['DROP TABLE ingest_duplicate_conflicts'],
    // Messages lost to the ledger and positions moved (s35-lost): history an auditor relies on.
    ['UPDATE ingest_gaps SET lost = 0'],
    ['DELETE FROM ingest_gaps'],
    ['TRUNCATE ingest_gaps'],
    ['DROP TABLE ingest_gaps'],
    ['DROP TRIGGER ingest_gaps_append_only ON ingest_gaps'],
    ['CREATE TABLE intruder (x int)'],
    // What a compromised app could try beyond rewriting rows: the server's files, programs,
    // locks that stop the ingest, its own settings, other roles' secrets, code of its own.
    ["COPY ledger_entries TO '/tmp/scantrail-stolen-ledger'"],
    ["COPY ledger_entries FROM PROGRAM 'id'"],
    ["SELECT pg_read_file('/etc/passwd')"],
    ['LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE'],
    ['LOCK TABLE access_log IN SHARE MODE'],
    ['ALTER TABLE rm_finding_rows DISABLE TRIGGER ALL'],
    ['ALTER TABLE rm_finding_details DISABLE TRIGGER ALL'],
    ['DROP VIEW rm_findings'],
    // Its own session defaults it may set (PostgreSQL lets any role do that), but not one
    // that would switch the triggers off in every later session.
    ['ALTER ROLE CURRENT_USER SET session_replication_role = replica'],
    ['SELECT rolname, rolpassword FROM pg_authid'],
    ["CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'"],
  ])('should be refused by PostgreSQL when the apps role runs %s', async (sql) => {
    const error = await attemptRolledBack(app, sql);
    expect(error?.code).toBe('42501'); // insufficient_privilege
    expect(error?.message).toMatch(/permission denied|must be owner/);
  });

  it('should leave every history row in place after those attempts', async () => {
    const counts = await historyCounts(owner);
    expect(counts.ledger_entries).toBe(Object.keys(scenarioEvents()).length);
    expect(counts.quarantined_messages).toBe(1);
    expect(counts.access_log).toBe(1);
    expect(await new QuarantineStore().count(db.dataSource)).toBe(1);
    for (const sql of ['DELETE FROM ledger_entries', 'TRUNCATE access_log']) {
      await attemptRolledBack(app, sql);
    }
    expect(await historyCounts(owner)).toEqual(counts);
  });

  it('should be no superuser and own no table, function or schema', async () => {
    const { rows } = await app.query<{ superuser: boolean; owned: number }>(
      `SELECT r.rolsuper AS superuser,
              (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid)
            + (SELECT count(*)::int FROM pg_proc WHERE proowner = r.oid)
            + (SELECT count(*)::int FROM pg_namespace WHERE nspowner = r.oid) AS owned
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(rows).toEqual([{ superuser: false, owned: 0 }]);
  });

  it('should name every table and view of the schema in TABLE_RIGHTS, so a new one cannot be forgotten', async () => {
    const { rows } = await owner.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`,
    );
    expect(tablesWithoutRights(rows.map((r) => r.name))).toEqual([]);
    const { rows: views } = await owner.query<{ name: string }>(
      `SELECT viewname AS name FROM pg_views WHERE schemaname = 'public'`,
    );
    expect(views.map((r) => r.name)).toEqual(['rm_findings']);
    expect([...rows, ...views].map((r) => r.name).sort()).toEqual(Object.keys(TABLE_RIGHTS).sort());
  });

  it('should hold exactly the privileges TABLE_RIGHTS lists on each table', async () => {
    const all = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
    const held: Record<string, string[]> = {};
    const expected: Record<string, string[]> = {};
    for (const [table, rights] of Object.entries(TABLE_RIGHTS)) {
      const { rows } = await app.query<{ privilege: string }>(
        `SELECT p AS privilege FROM unnest($1::text[]) p
          WHERE has_table_privilege(current_user, $2::regclass, p)`,
        [all, `public.${table}`],
      );
      held[table] = rows.map((r) => r.privilege);
      expected[table] = all.filter((p) => PRIVILEGES[rights].includes(p));
    }
    expect(held).toEqual(expected);
  });

  it.each([
    ['quarantined_messages'],
    ['access_log'],
    ['ledger_entries'],
    ['ingest_duplicate_conflicts'],
    ['ingest_gaps'],
  ])('should refuse TRUNCATE %s by trigger even to the owner', async (table) => {
    const error = await attemptRolledBack(owner, `TRUNCATE ${table}`);
    expect(error?.message).toMatch(/append-only/);
  });

  it("should let verify --read-models name a findings row deleted, an agreement finding's detail and a study changed by the owner", async () => {
    const env = {
      DATABASE_URL: db.url,
      LEDGER_ORIGIN: settings.ledgerOrigin,
      LEDGER_VERIFIER_KEY: settings.ledgerVerifierKey,
      PSEUDONYM_KEY: settings.pseudonymKey.toString('hex'),
      AUTH_JWT_SECRET: settings.authJwtSecret.toString('hex'),
      SCANTRAIL_DATA_DIR: dataDir,
      NODE_ENV: 'production',
    };
    const clean = await cli(['verify', '--read-models'], env);
    expect(clean.out).toContain('read models: all');
    expect(clean.code).toBe(0);

    const { rows } = await owner.query<{
      ledger_sequence: string;
      study_uid: string;
      code: string;
    }>(
      `DELETE FROM rm_finding_rows
        WHERE ctid = (SELECT min(ctid) FROM rm_finding_rows WHERE detail IS NOT NULL)
       RETURNING ledger_sequence::text, study_uid, code`,
    );
    expect(rows).toHaveLength(1);
    const [gone] = rows;
    // An agreement finding's detail, kept once for every study of its event.
    const { rows: details } = await owner.query<{ ledger_sequence: string; code: string }>(
      `UPDATE rm_finding_details SET detail = detail || ' (edited)'
        WHERE ctid = (SELECT min(ctid) FROM rm_finding_details)
       RETURNING ledger_sequence::text, code`,
    );
    expect(details).toHaveLength(1);
    const { rows: studies } = await owner.query<{ study_uid: string }>(
      `UPDATE rm_studies SET body_part = 'KNEE' WHERE study_uid = (SELECT min(study_uid) FROM rm_studies)
       RETURNING study_uid`,
    );
    const drifted = await cli(['verify', '--read-models'], env);
    expect(drifted.code).toBe(1);
    expect(drifted.out).toContain('FAILED: read models: 3 rows differ');
    expect(drifted.out).toContain(
      `rm_finding_rows missing ${JSON.stringify({ ledger_sequence: Number(gone.ledger_sequence), study_uid: gone.study_uid, code: gone.code })}`,
    );
    expect(drifted.out).toContain(
      `rm_finding_details changed ${JSON.stringify({ ledger_sequence: Number(details[0].ledger_sequence), code: details[0].code })} (columns: detail)`,
    );
    expect(drifted.out).toContain(
      `rm_studies changed ${JSON.stringify({ study_uid: studies[0].study_uid })} (columns: body_part)`,
    );
    // The check wrote nothing: the row is still missing, the replay left no table behind.
    const { rows: after } = await owner.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM rm_findings WHERE ledger_sequence = $1 AND study_uid = $2 AND code = $3',
      [gone.ledger_sequence, gone.study_uid, gone.code],
    );
    expect(after[0].n).toBe(0);
  });

  it('should refuse rebuild as the apps role and rebuild as the owner', async () => {
    const env = {
      DATABASE_URL: db.url,
      LEDGER_ORIGIN: settings.ledgerOrigin,
      LEDGER_VERIFIER_KEY: settings.ledgerVerifierKey,
      SCANTRAIL_DATA_DIR: dataDir,
    };
    const refused = await cli(['rebuild'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('set MIGRATION_DATABASE_URL');
    const rebuilt = await cli(['rebuild'], { ...env, MIGRATION_DATABASE_URL: db.ownerUrl });
    expect(rebuilt.out).toContain('rebuilt read models');
    expect(rebuilt.code).toBe(0);
    const verified = await cli(['verify', '--read-models'], env);
    expect(verified.code).toBe(0);
  });

  it("should not let the apps role's idle transaction hold rebuild, nor the readers queued behind its TRUNCATE: rebuild stops naming the holder, changing nothing", async () => {
    const env = {
      DATABASE_URL: db.url,
      MIGRATION_DATABASE_URL: db.ownerUrl,
      LEDGER_ORIGIN: settings.ledgerOrigin,
      LEDGER_VERIFIER_KEY: settings.ledgerVerifierKey,
      SCANTRAIL_DATA_DIR: dataDir,
    };
    const count = async (): Promise<number> =>
      (await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM rm_studies')).rows[0].n;
    const before = await count();
    expect(before).toBeGreaterThan(0);
    // What any holder of the apps' credentials can do: read, then sit in the transaction.
    const { client: holder, pid: holderPid } = await idleReader(db.url, 'rm_studies');
    const reader = await connectedClient(db.url);
    try {
      let exited = false;
      const run = cli(['rebuild', '--lock-wait-s', '2'], env).then((r) => {
        exited = true;
        return r;
      });
      // Its TRUNCATE is queued behind the holder (an exclusive request not granted) ...
      await eventually(
        async () => {
          const { rows: waiting } = await owner.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks
            WHERE locktype = 'relation' AND mode = 'AccessExclusiveLock' AND NOT granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
          return waiting[0].n > 0 ? true : undefined;
        },
        20_000,
        "rebuild's TRUNCATE queued behind the holder",
      );
      // ... and a reader arriving now (the API's) queues behind that request, but is let go
      // when the bounded wait runs out, while rebuild still goes on trying.
      const read = await reader.query<{ n: number }>('SELECT count(*)::int AS n FROM rm_studies');
      expect(read.rows[0].n).toBe(before);
      expect(exited).toBe(false);

      const result = await run;
      expect(result.code).not.toBe(0);
      expect(result.out).toContain('rebuild could not empty the read models');
      expect(result.out).toContain(`pid ${holderPid}`);
      expect(result.out).toContain('Nothing was changed');
      expect(await count()).toBe(before);

      // Once the holder lets go, rebuild goes through.
      await holder.query('ROLLBACK');
      const rebuilt = await cli(['rebuild', '--lock-wait-s', '2'], env);
      expect(rebuilt.out).toContain('rebuilt read models');
      expect(rebuilt.code).toBe(0);
      expect(await count()).toBe(before);
    } finally {
      await holder.end();
      await reader.end();
    }
  });

  it.each([
    ['ALTER ROLE CURRENT_USER NOLOGIN'],
    ['ALTER ROLE CURRENT_USER CONNECTION LIMIT 0'],
    ["ALTER ROLE CURRENT_USER VALID UNTIL '2000-01-01'"],
    ['ALTER ROLE CURRENT_USER CREATEROLE'],
    ['ALTER ROLE CURRENT_USER BYPASSRLS'],
    ['ALTER ROLE <itself by name> RENAME TO intruder'],
  ])('should refuse the apps role changing its own attributes: %s', async (sql) => {
    const { rows } = await app.query<{ me: string }>('SELECT quote_ident(current_user) AS me');
    const error = await attemptRolledBack(app, sql.replace('<itself by name>', rows[0].me));
    expect(error?.code).toMatch(/^(42501|0A000)$/); // insufficient_privilege; rename of the session user
  });

  it('should let the apps role change only its own password among its attributes (a residual risk: it locks out the other apps)', async () => {
    // Rolled back by attemptRolledBack(): PostgreSQL lets every role do it; docs/architecture.md
    // names it among the residual risks. This fails, and the doc must change, if it ever
    // stops being allowed.
    expect(
      await attemptRolledBack(app, "ALTER ROLE CURRENT_USER PASSWORD 'not-the-one-ingest-has'"),
    ).toBe(undefined);
  });

  it("should keep the apps' later sessions as they need them when the apps role sets its own session defaults", async () => {
    // PostgreSQL lets every role set its own defaults for later sessions (ALTER ROLE ...
    // SET); no right or role attribute takes that away. The ingest, the API and the CLI
    // share the role, so a compromised one could otherwise make the others' connections
    // read-only, time out, look for tables elsewhere (search_path), or read at another
    // isolation level (the sequencer reads the last entry after taking its lock). What
    // the session then holds, and that it records non-ASCII text as sent and verifies.
    const defaults = [
      'search_path = pg_temp',
      'default_transaction_read_only = on',
      'statement_timeout = 1',
      'lock_timeout = 1',
      'idle_in_transaction_session_timeout = 1',
      // Set by each connection's first statement (older servers refuse them at start):
      // 1 ms would race that statement itself; 150 ms already ends pooled connections
      // idle between two steps and any transaction that waits on a lock.
      "idle_session_timeout = '150ms'",
      "transaction_timeout = '150ms'",
      "client_encoding = 'LATIN1'",
      "default_transaction_isolation = 'repeatable read'",
      "DateStyle = 'SQL, DMY'",
      "TimeZone = 'Pacific/Kiritimati'",
    ];
    const fresh = createDataSource(db.url, { name: 'after-alter-role', poolSize: 2 });
    try {
      for (const setting of defaults) {
        await app.query(`ALTER ROLE CURRENT_USER SET ${setting}`); // allowed: the hole
      }
      await fresh.initialize();
      const [session] = await fresh.query<Record<string, string>[]>(
        `SELECT current_setting('search_path') AS search_path,
                current_setting('transaction_read_only') AS read_only,
                current_setting('statement_timeout') AS statement_timeout,
                current_setting('lock_timeout') AS lock_timeout,
                current_setting('idle_in_transaction_session_timeout') AS idle_timeout,
                current_setting('idle_session_timeout') AS idle_session_timeout,
                current_setting('transaction_timeout') AS transaction_timeout,
                current_setting('client_encoding') AS client_encoding,
                current_setting('transaction_isolation') AS isolation,
                current_setting('DateStyle') AS date_style,
                current_setting('TimeZone') AS time_zone`,
      );
      expect(session).toEqual({
        search_path: 'public',
        read_only: 'off',
        statement_timeout: '0',
        lock_timeout: '0',
        idle_timeout: '0',
        idle_session_timeout: '0',
        transaction_timeout: '0',
        client_encoding: 'UTF8',
        isolation: 'read committed',
        date_style: 'ISO, MDY',
        time_zone: 'UTC',
      });
      const name = 'Müller Radiologie Zürich – Ærø';
      await new DirectRecorder(fresh, settings, 1).record([
        {
          specversion: '1.0',
          id: 'roles-alter-role-utf8',
          source: 'urn:test:roles',
          type: 'org.scantrail.vendor.registered',
          time: '2026-01-05T10:00:00Z',
          subject: 'vnd-umlaut',
          data: { vendorId: 'vnd-umlaut', name, role: 'OTHER' },
        },
      ]);
      const { rows } = await owner.query<{ leaf: string }>(
        `SELECT leaf_data AS leaf FROM ledger_entries WHERE subject = 'vnd-umlaut'`,
      );
      expect(rows.map((r) => (JSON.parse(r.leaf) as { data: { name: string } }).data.name)).toEqual(
        [name],
      );
      await signCheckpoint(fresh, settings);
      const verified = await cli(['verify'], {
        DATABASE_URL: db.url,
        LEDGER_ORIGIN: settings.ledgerOrigin,
        LEDGER_VERIFIER_KEY: settings.ledgerVerifierKey,
        SCANTRAIL_DATA_DIR: dataDir,
      });
      expect(verified.code).toBe(0);
    } finally {
      if (fresh.isInitialized) await fresh.destroy();
      await app.query('ALTER ROLE CURRENT_USER RESET ALL');
    }
  });

  // Two more defaults the apps' role can give its own later sessions, which our connections
  // did not pin. array_nulls = off: node-pg sends a JS null inside an array parameter as an
  // unquoted NULL, which PostgreSQL then reads as the text 'NULL' (or refuses for a
  // timestamptz: 22007): a keyless message was quarantined with the key 'NULL' (4 bytes)
  // and every batch that kept a deletion request with an open obligation (fulfilled_at
  // null) was refused, so the ingest quarantined valid deletion requests and any later
  // event of their patients as rejected_by_database. synchronous_commit = off: a commit
  // returns before its WAL is on disk, so a crash of the server loses access-log rows of
  // answers already sent and checkpoints already served. Reproduce: psql "$DATABASE_URL"
  // -c 'ALTER ROLE CURRENT_USER SET array_nulls = off', restart the ingest, send a
  // deletion.requested of a patient whose study a vendor holds: quarantined.
  it('should record nulls as nulls and commit durably when the apps role turns array_nulls and synchronous_commit off for its later sessions', async () => {
    const fresh = createDataSource(db.url, { name: 'after-alter-role-nulls', poolSize: 2 });
    try {
      await app.query('ALTER ROLE CURRENT_USER SET array_nulls = off');
      await app.query('ALTER ROLE CURRENT_USER SET synchronous_commit = off');
      await fresh.initialize();
      // PATIENT_P's studies are held by two vendors that attested no deletion of them.
      const outcome = await new DirectRecorder(fresh, settings, 2).record([
        {
          specversion: '1.0',
          id: 'roles-array-nulls-deletion',
          source: 'urn:test:roles',
          type: 'org.scantrail.deletion.requested',
          time: '2024-09-01T00:00:00Z',
          subject: 'del-array-nulls',
          data: { requestId: 'del-array-nulls', patient: PATIENT_P, dueBy: '2024-10-01' },
        },
        Buffer.from('not json, and no key'),
      ]);
      expect([outcome.recorded, outcome.quarantined.length]).toEqual([1, 1]);
      const obligations = await owner.query<{ open: boolean }>(
        `SELECT fulfilled_at IS NULL AS open FROM rm_deletion_obligations
          WHERE request_id = 'del-array-nulls'`,
      );
      expect(obligations.rows.length).toBeGreaterThan(0);
      expect(obligations.rows.every((r) => r.open)).toBe(true);
      const quarantined = await owner.query<{ key_is_null: boolean }>(
        `SELECT raw_key IS NULL AS key_is_null FROM quarantined_messages
          WHERE topic = 'direct' AND partition = 2`,
      );
      expect(quarantined.rows).toEqual([{ key_is_null: true }]);
      const [session] = await fresh.query<Record<string, string>[]>(
        `SELECT current_setting('array_nulls') AS array_nulls,
                current_setting('synchronous_commit') AS synchronous_commit`,
      );
      expect(session).toEqual({ array_nulls: 'on', synchronous_commit: 'on' });
    } finally {
      if (fresh.isInitialized) await fresh.destroy();
      await app.query('ALTER ROLE CURRENT_USER RESET ALL');
    }
  });
});

describe('ingest and API as the apps role, only the ingest signing', () => {
  const processes: IngestProcess[] = [];
  let db: TestDatabase;
  let dataDir: string;

  afterAll(async () => {
    for (const p of processes) await p.terminate();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('should record and answer end to end, the API serving the stored checkpoint without a signing key', async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'scantrail-roles-e2e-'));
    const { kafka, topic } = await createTestTopic(2);
    const brokers = e2eServices().brokers;
    const ingestEnv = ingestEnvironment({
      databaseUrl: db.url,
      brokers,
      topic,
      groupId: `roles-${Date.now()}`,
      dataDir,
      origin: 'roles.scantrail.test/ledger',
    });
    const port = await freePort();
    const { LEDGER_SIGNING_KEY: _signer, ...shared } = ingestEnv.env;
    const api = startIngestProcess({
      app: 'api',
      label: 'api',
      env: {
        ...shared,
        LEDGER_VERIFIER_KEY: ingestEnv.verifierKey,
        PORT: String(port),
        NODE_ENV: 'production',
      },
    });
    processes.push(api);
    const base = `http://127.0.0.1:${port}`;
    const officer = mintToken({
      secret: Buffer.from(ingestEnv.env.AUTH_JWT_SECRET),
      sub: 'roles-officer',
      roles: ['privacy_officer'],
      ttlSeconds: 600,
    });
    const graphql = async <T>(query: string): Promise<T> => {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${officer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      const body = (await response.json()) as { data?: T; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data as T;
    };
    type LedgerAnswer = {
      ledger: { treeSize: number; rootHash: string; checkpoint: string };
      verifierKey: string;
    };
    const LEDGER = '{ ledger { treeSize rootHash checkpoint } verifierKey }';

    // Before the ingest ever ran: nothing signed, so the empty tree and no note.
    const before = await eventually(
      () => graphql<LedgerAnswer>(LEDGER),
      60_000,
      `the API answering (${api.output()})`,
    );
    expect(before).toEqual({
      ledger: {
        treeSize: 0,
        rootHash: Buffer.from(EMPTY_TREE_HASH).toString('base64'),
        checkpoint: '',
      },
      verifierKey: ingestEnv.verifierKey,
    });

    const events = Object.values(scenarioEvents()) as unknown as { subject?: string }[];
    const producer = await kafka.producer();
    await producer.send(topic, [
      ...events.map((e) => ({ key: e.subject ?? null, value: Buffer.from(JSON.stringify(e)) })),
      { key: null, value: Buffer.from('{"not":"a cloudevent"}') },
    ]);
    await producer.disconnect();
    await kafka.disconnect();
    const ingest = startIngestProcess({ env: ingestEnv.env, label: 'ingest' });
    processes.push(ingest);

    const answer = await eventually(
      async () => {
        const now = await graphql<LedgerAnswer>(LEDGER);
        return now.ledger.treeSize === events.length ? now : undefined;
      },
      90_000,
      'a checkpoint covering every event',
    );
    const stored = await db.dataSource.query<{ note: string; tree_size: string }[]>(
      'SELECT note, tree_size::text FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1',
    );
    expect(answer.ledger.checkpoint).toBe(stored[0].note);
    const body = parseCheckpoint(
      openNote(answer.ledger.checkpoint, [parseVerifierKey(answer.verifierKey)]).text,
    );
    expect(body.size).toBe(events.length);
    expect(body.rootHash.toString('base64')).toBe(answer.ledger.rootHash);
    // Every stored checkpoint is the ingest's: the API signed none.
    const notes = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM ledger_checkpoints',
    );
    expect(notes[0].n).toBeGreaterThan(0);

    const tlog = await fetch(`${base}/tlog/checkpoint`, {
      headers: { authorization: `Bearer ${officer}` },
    });
    expect(await tlog.text()).toBe(stored[0].note);

    // Reads, the access log (an INSERT) and the quarantine, all as the apps' role.
    const accounting = await graphql<{ a: { entries: unknown[] } }>(
      `{ a: accountingOfDisclosures(patient: { system: "${PATIENT_P.system}", value: "${PATIENT_P.value}" }) { entries { disclosureId } } }`,
    );
    expect(accounting.a.entries.length).toBeGreaterThan(0);
    const logged = await graphql<{ l: { totalCount: number } }>('{ l: accessLog { totalCount } }');
    expect(logged.l.totalCount).toBe(1);
    const quarantine = await eventually(async () => {
      const q = await graphql<{ q: { totalCount: number } }>('{ q: quarantine { totalCount } }');
      return q.q.totalCount === 1 ? q : undefined;
    });
    expect(quarantine.q.totalCount).toBe(1);

    expect(await ingest.terminate()).toEqual({ code: 0, signal: null });
    expect(await api.terminate()).toEqual({ code: 0, signal: null });
    // In production nothing was generated: the API never had a signing key to write down.
    expect(readdirSync(dataDir)).not.toContain('dev-secrets.json');
  }, 180_000);
});
