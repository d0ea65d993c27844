import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, withClient } from '@scantrail/local-postgres';

/** A database made for one benchmark run; `drop` removes it. */
export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** The PostgreSQL server a benchmark runs against. */
export interface BenchServer {
  /** What it is, for the report (never the password). */
  description: string;
  postgresVersion: string;
  /** True when the server outlives the run (DATABASE_URL, `pgDir`): a loaded database is worth keeping. */
  persistent: boolean;
  /** A new, empty database of its own (names are unique per call). */
  createDatabase(prefix: string): Promise<BenchDatabase>;
  /** A new database copied from `template` (which nobody may be connected to). */
  cloneDatabase(template: string, prefix: string): Promise<BenchDatabase>;
  /** An existing database by name, for a rerun over what an earlier run loaded. */
  openDatabase(name: string): BenchDatabase;
  /** Stops an embedded server (deleting its files unless it was kept in `pgDir`); a no-op for DATABASE_URL. */
  stop(): Promise<void>;
}

function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * DATABASE_URL's server when set (its user needs CREATEDB); otherwise an embedded PostgreSQL,
 * kept in `pgDir` when given (so a later run can reuse what this one loaded), or in a fresh
 * temporary directory removed at the end, so each run starts from an empty, cold server.
 */
export async function openBenchServer(options: { pgDir?: string } = {}): Promise<BenchServer> {
  const external = process.env.DATABASE_URL;
  let adminUrl: string;
  let stopServer: () => Promise<void>;
  let description: string;
  if (external) {
    adminUrl = external;
    stopServer = () => Promise.resolve();
    const u = new URL(external);
    description = `DATABASE_URL server ${u.hostname}:${u.port || '5432'}`;
  } else {
    const kept = options.pgDir;
    const dir = kept ?? mkdtempSync(join(tmpdir(), 'scantrail-bench-'));
    if (kept === undefined) chmodSync(dir, 0o755); // PostgreSQL runs as its own user and must reach its data dir
    const embedded = await startEmbeddedPostgres(dir);
    adminUrl = embedded.adminUrl;
    description =
      kept === undefined
        ? `embedded PostgreSQL in ${dir} (removed at the end)`
        : `embedded PostgreSQL kept in ${join(dir, 'postgres')}`;
    let stopped = false;
    stopServer = async () => {
      if (stopped) return;
      stopped = true;
      await embedded.stop();
      if (kept === undefined) rmSync(dir, { recursive: true, force: true });
    };
  }
  const postgresVersion = await withClient(adminUrl, async (c) => {
    const r = await c.query<{ server_version: string }>('SHOW server_version');
    return r.rows[0].server_version;
  });
  const openDatabase = (name: string): BenchDatabase => ({
    name,
    url: databaseUrl(adminUrl, name),
    drop: () =>
      withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  });
  return {
    description,
    postgresVersion,
    persistent: Boolean(external) || options.pgDir !== undefined,
    stop: stopServer,
    openDatabase,
    createDatabase: async (prefix) => {
      const name = uniqueName(prefix);
      await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
      return openDatabase(name);
    },
    cloneDatabase: async (template, prefix) => {
      const name = uniqueName(prefix);
      await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      return openDatabase(name);
    },
  };
}

/** Asks the server to flush dirty pages now, so one phase's checkpoint does not land in the next. */
export async function checkpoint(query: (sql: string) => Promise<unknown>): Promise<void> {
  // CHECKPOINT needs superuser or pg_checkpoint; without it, phases just share the noise.
  await query('CHECKPOINT').catch(() => undefined);
}

/**
 * Waits (up to `maxMs`) until no autovacuum worker runs on the server, after a CHECKPOINT:
 * a latency measurement right after a bulk load otherwise shares the CPU with the cleanup.
 */
export async function quiesce(
  query: (sql: string) => Promise<unknown>,
  maxMs = 60_000,
): Promise<void> {
  await checkpoint(query);
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const rows = (await query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'",
    )) as { n: number }[];
    if (rows[0]?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
