import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withClient } from '@scantrail/local-postgres';
import { startPostgresProcess } from '../support/postgres-process';
import { isAlive } from '../support/processes';

/**
 * A kept embedded PostgreSQL folder copied elsewhere (a benchmark's 1M ledger copied for a
 * second experiment) holds the original's port and credentials. Started while the original
 * runs, the copy must run its own server on its own data, not join the original's.
 */
describe('embedded PostgreSQL', () => {
  const dirs: string[] = [];
  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'scantrail-embedded-copy-'));
    chmodSync(dir, 0o755);
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("should start a copied folder's own server instead of joining the original's", async () => {
    const original = folder();
    const first = await startPostgresProcess(original);
    await withClient(first.adminUrl, (c) => c.query('CREATE DATABASE only_in_the_original'));
    await first.stop();
    const copy = folder();
    // cp -a keeps the data folder's owner (the postgres user) and modes, as a person would.
    execFileSync('cp', ['-a', join(original, 'postgres'), join(copy, 'postgres')]);
    const running = await startPostgresProcess(original);
    const copied = await startPostgresProcess(copy);
    try {
      await withClient(copied.adminUrl, (c) => c.query('DROP DATABASE only_in_the_original'));
      const served = (url: string): Promise<string> =>
        withClient(url, async (c) => {
          const { rows } = await c.query<{ dir: string }>(
            "SELECT current_setting('data_directory') AS dir",
          );
          return rows[0].dir;
        });
      expect(realpathSync(await served(copied.adminUrl))).toBe(
        realpathSync(join(copy, 'postgres', 'data')),
      );
      expect(realpathSync(await served(running.adminUrl))).toBe(
        realpathSync(join(original, 'postgres', 'data')),
      );
      const port = (dir: string): string => readFileSync(join(dir, 'postgres', 'port'), 'utf8');
      expect(port(copy)).not.toBe(port(original));
      // The copy's change stayed in the copy.
      const names = await withClient(running.adminUrl, async (c) => {
        const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database');
        return rows.map((r) => r.datname);
      });
      expect(names).toContain('only_in_the_original');
    } finally {
      await copied.stop();
      await running.stop();
    }
  });

  it('should stop a server whose owner was killed, and start again on the same data', async () => {
    const dir = folder();
    const owner = await startPostgresProcess(dir);
    await withClient(owner.adminUrl, (c) => c.query('CREATE DATABASE kept_across_the_kill'));
    const pidFile = join(dir, 'postgres', 'data', 'postmaster.pid');
    const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    expect(isAlive(postmaster)).toBe(true);
    // What a SIGKILLed `npm start`, an OOM kill or a crash does: no handler runs.
    process.kill(owner.ownerPid, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while (isAlive(postmaster) && Date.now() < deadline) await sleep(250);
    expect(isAlive(postmaster)).toBe(false);
    expect(existsSync(pidFile)).toBe(false); // a clean (fast) shutdown, not a crash
    const again = await startPostgresProcess(dir);
    try {
      const names = await withClient(again.adminUrl, async (c) => {
        const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database');
        return rows.map((r) => r.datname);
      });
      expect(names).toContain('kept_across_the_kill');
    } finally {
      await again.stop();
    }
  }, 90_000);

  it('should start on another port, and write it down, when its saved port is taken', async () => {
    const dir = folder();
    const first = await startPostgresProcess(dir);
    await withClient(first.adminUrl, (c) => c.query('CREATE DATABASE kept_across_ports'));
    await first.stop();
    const portFile = join(dir, 'postgres', 'port');
    const saved = Number(readFileSync(portFile, 'utf8'));
    // Another program of the machine listens on it now; its connections are dropped at once.
    const blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((listening) => blocker.listen(saved, '127.0.0.1', listening));
    try {
      const again = await startPostgresProcess(dir);
      try {
        const port = Number(new URL(again.adminUrl).port);
        expect(port).not.toBe(saved);
        expect(Number(readFileSync(portFile, 'utf8'))).toBe(port);
        const names = await withClient(again.adminUrl, async (c) => {
          const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database');
          return rows.map((r) => r.datname);
        });
        expect(names).toContain('kept_across_ports');
      } finally {
        await again.stop();
      }
    } finally {
      await new Promise((closed) => blocker.close(closed));
    }
  }, 90_000);
});
