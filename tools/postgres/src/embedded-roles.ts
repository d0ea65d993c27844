import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { withClient } from './with-client';

/** The superuser password of data directories made before passwords were generated. */
const LEGACY_SUPERUSER_PASSWORD = 'scantrail-dev';
export const EMBEDDED_OWNER_ROLE = 'scantrail_owner';
export const EMBEDDED_APP_ROLE = 'scantrail_app';
/** The API's role (libs/storage DEFAULT_API_ROLE, which `migrate` grants when it exists). */
export const EMBEDDED_API_ROLE = 'scantrail_api';
/** Sessions the API's role may hold at once (-1, the others': no limit of their own). */
export const API_ROLE_CONNECTIONS = 32;
/** The Orthanc bridge's role (libs/storage DEFAULT_BRIDGE_ROLE): its own tables only. */
export const EMBEDDED_BRIDGE_ROLE = 'scantrail_bridge';
/** Sessions the bridge's role may hold at once: its pool of 10 and the start's 2. */
export const BRIDGE_ROLE_CONNECTIONS = 16;

/**
 * Generated passwords of the embedded server's roles, kept beside its data (mode 0600):
 * nothing hard-coded reaches the apps.
 */
export interface EmbeddedCredentials {
  superuser: string;
  owner: string;
  app: string;
  /** Added in v1.1: a folder made before has none until its next start. */
  api: string;
  /** Added in v1.1 (session 17): likewise. */
  bridge: string;
}

const fresh = (): string => randomBytes(24).toString('hex');

/** Reads (or makes) `<root>/credentials.json`. */
export function embeddedCredentials(root: string, clusterExists: boolean): EmbeddedCredentials {
  const file = join(root, 'credentials.json');
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<EmbeddedCredentials>;
    if (kept.api !== undefined && kept.bridge !== undefined) return kept as EmbeddedCredentials;
    const completed = {
      ...kept,
      api: kept.api ?? fresh(),
      bridge: kept.bridge ?? fresh(),
    } as EmbeddedCredentials;
    saveCredentials(root, completed);
    return completed;
  }
  const made: EmbeddedCredentials = {
    // An older cluster keeps its superuser password until ensureEmbeddedRoles changes it.
    superuser: clusterExists ? LEGACY_SUPERUSER_PASSWORD : fresh(),
    owner: fresh(),
    app: fresh(),
    api: fresh(),
    bridge: fresh(),
  };
  saveCredentials(root, made);
  return made;
}

function saveCredentials(root: string, creds: EmbeddedCredentials): void {
  writeFileSync(join(root, 'credentials.json'), JSON.stringify(creds, null, 2), { mode: 0o600 });
}

/**
 * The roles of CONTRACT section 5 (v1.1) in the embedded server: the owner of the
 * `scantrail` database and all in it (MIGRATION_DATABASE_URL), the apps' role, which owns
 * nothing and gets its rights from `migrate` (DATABASE_URL), and the API's role, which
 * owns nothing either and gets only reads and the access log (API_DATABASE_URL), and the
 * Orthanc bridge's, which gets only the bridge's own tables (BRIDGE_DATABASE_URL). None is a
 * superuser. Idempotent; a database made before the roles existed is handed to the owner.
 */
export async function ensureEmbeddedRoles(
  root: string,
  adminUrl: string,
  creds: EmbeddedCredentials,
): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // The API's role may hold API_ROLE_CONNECTIONS sessions, so its credentials cannot take
    // every connection of the server (max_connections) and leave the ingest none; it needs
    // about a dozen (its pool of 10, the start's 2). A role cannot raise its own limit.
    for (const [role, password, limit] of [
      [EMBEDDED_OWNER_ROLE, creds.owner, -1],
      [EMBEDDED_APP_ROLE, creds.app, -1],
      [EMBEDDED_API_ROLE, creds.api, API_ROLE_CONNECTIONS],
      [EMBEDDED_BRIDGE_ROLE, creds.bridge, BRIDGE_ROLE_CONNECTIONS],
    ] as const) {
      const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      // DDL takes no parameters: the role is a constant, the password our own hex.
      await admin.query(
        `${exists.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE CONNECTION LIMIT ${limit} PASSWORD '${password}'`,
      );
    }
    if (creds.superuser === LEGACY_SUPERUSER_PASSWORD) {
      creds.superuser = fresh();
      await admin.query(`ALTER ROLE CURRENT_USER PASSWORD '${creds.superuser}'`);
      saveCredentials(root, creds);
    }
    const db = await admin.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
      ['scantrail'],
    );
    if (db.rowCount === 0) {
      await admin.query(`CREATE DATABASE scantrail OWNER ${EMBEDDED_OWNER_ROLE}`);
    } else if (db.rows[0].owner !== EMBEDDED_OWNER_ROLE) {
      await admin.query(`ALTER DATABASE scantrail OWNER TO ${EMBEDDED_OWNER_ROLE}`);
      await handOverSchema(adminUrl.replace(/\/postgres$/, '/scantrail'));
    }
    // CONNECT is PUBLIC by default: the apps' role could open sessions in the server's own
    // databases, with temporary tables and large objects there (in template1, copied into
    // every database made after). The apps use scantrail only; the superuser still connects.
    await admin.query('REVOKE CONNECT ON DATABASE postgres, template1 FROM PUBLIC');
  } finally {
    await admin.end();
  }
  for (const name of ['postgres', 'scantrail']) {
    await refuseLargeObjects(adminUrl.replace(/\/postgres$/, `/${name}`));
  }
  await keepAdvisoryLocksToWriters(adminUrl.replace(/\/postgres$/, '/scantrail'));
  await withClient(adminUrl, async (client) => {
    // Temporary tables are PUBLIC too: rows of a role's own, as many as the disk holds. The
    // API makes none; `verify --read-models` (the apps' role) does.
    await client.query('REVOKE TEMPORARY ON DATABASE scantrail FROM PUBLIC');
    await client.query(
      `GRANT TEMPORARY ON DATABASE scantrail TO ${EMBEDDED_OWNER_ROLE}, ${EMBEDDED_APP_ROLE}`,
    );
  });
}

/**
 * Advisory locks are PUBLIC: any role could take the ledger's sequencer lock
 * (pg_advisory_lock(23674, 1)) and hold it, and the ingest would wait for it. Only the
 * ledger's writers (the apps' role: ingest, CLI) and the owner (migrate's lock) take
 * them; the API's role is refused. Functions are per database: `scantrail` is where the
 * lock is taken (the others refuse the apps CONNECT).
 */
async function keepAdvisoryLocksToWriters(url: string): Promise<void> {
  await withClient(url, async (client) => {
    const { rows } = await client.query<{ signature: string }>(
      `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p
        WHERE p.pronamespace = 'pg_catalog'::regnamespace
          AND p.proname ~ '^pg_(try_)?advisory_(xact_)?lock(_shared)?$'`,
    );
    const functions = `FUNCTION ${rows.map((r) => r.signature).join(', ')}`;
    // The names come from the catalog (regprocedure text is quoted as needed).
    await client.query(`REVOKE EXECUTE ON ${functions} FROM PUBLIC`);
    await client.query(
      `GRANT EXECUTE ON ${functions} TO ${EMBEDDED_OWNER_ROLE}, ${EMBEDDED_APP_ROLE}`,
    );
  });
}

/**
 * PostgreSQL lets every role create large objects, which persist, belong to their creator
 * and hold any bytes: the apps' role would own something. None of our roles uses them.
 */
async function refuseLargeObjects(url: string): Promise<void> {
  await withClient(url, (client) =>
    client.query(
      `REVOKE EXECUTE ON FUNCTION lo_create(oid), lo_creat(integer), lo_from_bytea(oid, bytea),
         lo_import(text), lo_import(text, oid) FROM PUBLIC`,
    ),
  );
}

/** Gives the owner role the tables and functions that a superuser made in `scantrail`. */
async function handOverSchema(url: string): Promise<void> {
  await withClient(url, async (client) => {
    const tables = await client.query<{ name: string }>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'`,
    );
    for (const { name } of tables.rows) {
      await client.query(`ALTER TABLE public.${name} OWNER TO ${EMBEDDED_OWNER_ROLE}`);
    }
    const functions = await client.query<{ signature: string }>(
      `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
    );
    for (const { signature } of functions.rows) {
      await client.query(`ALTER FUNCTION ${signature} OWNER TO ${EMBEDDED_OWNER_ROLE}`);
    }
  });
}
