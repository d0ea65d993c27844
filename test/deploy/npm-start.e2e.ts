import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@scantrail/local-postgres';
import { repositoryRoot } from '../support/ingest-process';
import { processesMentioning } from '../support/processes';

/**
 * The README's first command as a person runs it: the launcher (what `npm start` runs after
 * its build) in a terminal's foreground process group, then Ctrl-C, which the terminal sends
 * to the whole group. Everything it started must stop, in order and quietly: the apps
 * before the database, nothing left running on the data folder.
 */
describe('npm start', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'scantrail-npm-start-'));
    chmodSync(dataDir, 0o755);
  });
  afterAll(async () => {
    for (const pid of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
    await sleep(500);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * The launcher (what `npm start` runs after its build) on the test's data folder, in a
   * process group of its own as a terminal's foreground job, with these settings.
   */
  const launch = (
    settings: Record<string, string>,
  ): { launcher: ChildProcess; output: () => string; exited: Promise<number | null> } => {
    const launcher = spawn(
      process.execPath,
      [join(repositoryRoot(), 'dist', 'tools', 'dev', 'start-local.js')],
      {
        cwd: repositoryRoot(),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          SCANTRAIL_DATA_DIR: dataDir,
          ...settings,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    let text = '';
    launcher.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    launcher.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) =>
      launcher.once('exit', (code) => resolveExit(code)),
    );
    return { launcher, output: () => text, exited };
  };

  it('should run the product, then stop everything it started on Ctrl-C without warnings', async () => {
    const [port, bridgePort, ingestPort] = [await freePort(), await freePort(), await freePort()];
    const { launcher, output, exited } = launch({
      PORT: String(port),
      BRIDGE_PORT: String(bridgePort),
      INGEST_PORT: String(ingestPort),
      DEMO_EVENTS: '300',
    });
    const deadline = Date.now() + 240_000;
    while (!output().includes('scantrail is running') && Date.now() < deadline) {
      if (launcher.exitCode !== null) throw new Error(`npm start ended early:\n${output()}`);
      await sleep(500);
    }
    expect(output()).toContain('scantrail is running');
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(processesMentioning(dataDir).length).toBeGreaterThan(0); // PostgreSQL, Kafka, ...
    await sleep(2_000); // the demo's own held-send warning comes just after "running"

    const before = output().length;
    process.kill(-launcher.pid!, 'SIGINT'); // Ctrl-C
    const timeout = new AbortController();
    const code = await Promise.race([
      exited,
      sleep(90_000, 'still running', { signal: timeout.signal }).catch(() => 'aborted'),
    ]);
    timeout.abort();
    // What the launcher said after Ctrl-C is the only trace of why it did not end cleanly
    // (one fresh-clone CI run saw exit code 1 without it): show it with the failure.
    if (code !== 0) {
      throw new Error(
        `npm start ended with ${String(code)} after Ctrl-C instead of 0; its output since:\n${output().slice(before)}`,
      );
    }
    const afterCtrlC = output()
      .slice(before)
      .split('\n')
      .filter((line) => /^\[\d\d:\d\d:\d\d\] /.test(line));
    expect(afterCtrlC.filter((line) => /\] (WARN|ERROR|FATAL) /.test(line))).toEqual([]);
    expect(afterCtrlC.some((line) => /INFO \(scantrail-ingest\): ingest stopped/.test(line))).toBe(
      true,
    );
    // The database, Kafka and Orthanc go with the launcher (their watchdogs end with them).
    const gone = Date.now() + 30_000;
    while (processesMentioning(dataDir).length > 0 && Date.now() < gone) await sleep(500);
    expect(processesMentioning(dataDir)).toEqual([]);
  }, 420_000);

  it('should refuse PORT=0 at once, saying why, and leave nothing running', async () => {
    const { output, exited } = launch({ PORT: '0' });
    const code = await exited;
    expect(code).toBe(1);
    expect(output()).toContain('PORT=0');
    expect(output()).not.toContain('scantrail is running');
    const gone = Date.now() + 30_000;
    while (processesMentioning(dataDir).length > 0 && Date.now() < gone) await sleep(500);
    expect(processesMentioning(dataDir)).toEqual([]);
  }, 120_000);
});
