import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portTaken, SERVER_LOG_KEPT, serverLogStream } from './embedded-postgres';

describe('portTaken', () => {
  it('should read a port another program listens on from the server start-up messages', () => {
    const said = [
      '2026-12-06 08:30:01.120 UTC [4242] LOG:  starting PostgreSQL 17.10 on x86_64-pc-linux-gnu',
      '2026-12-06 08:30:01.121 UTC [4242] LOG:  could not bind IPv4 address "127.0.0.1": Address already in use',
      '2026-12-06 08:30:01.121 UTC [4242] HINT:  Is another postmaster already running on port 41234? If not, wait a few seconds and retry.',
      '2026-12-06 08:30:01.121 UTC [4242] WARNING:  could not create listen socket for "127.0.0.1"',
      '2026-12-06 08:30:01.121 UTC [4242] FATAL:  could not create any TCP/IP sockets',
    ].join('\n');
    expect(portTaken(said)).toBe(true);
  });

  it("should read another server's socket lock file for the same port number", () => {
    const said =
      '2026-12-06 08:30:01.121 UTC [4242] FATAL:  lock file "/tmp/.s.PGSQL.41234.lock" already exists\n' +
      '2026-12-06 08:30:01.121 UTC [4242] HINT:  Is another postmaster (PID 4100) using socket file "/tmp/.s.PGSQL.41234"?';
    expect(portTaken(said)).toBe(true);
  });

  it('should not take other reasons a server stops at start for a taken port', () => {
    expect(
      portTaken(
        '2026-12-06 08:30:01.121 UTC [4242] FATAL:  lock file "postmaster.pid" already exists\n' +
          '2026-12-06 08:30:01.121 UTC [4242] HINT:  Is another postmaster (PID 4100) running in data directory "/data/postgres/data"?',
      ),
    ).toBe(false);
    expect(portTaken('FATAL:  data directory "/data/postgres/data" has invalid permissions')).toBe(
      false,
    );
    expect(portTaken('')).toBe(false);
  });
});

describe('serverLogStream', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'server-log-'));
    mkdirSync(join(dataDir, 'postgres'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const line = (n: number): string =>
    `2026-12-07 05:40:00.${String(n % 1000).padStart(3, '0')} UTC [4242] ERROR:  refused ${n}\n`;

  it("should keep the server's lines in server.log, in order, and rotate it by size keeping a bounded number of files", async () => {
    const log = serverLogStream(dataDir, '1K');
    const written: string[] = [];
    for (let n = 0; n < 400; n += 1) {
      written.push(line(n));
      log.write(line(n));
      // rotation happens between writes, as the server's lines arrive over time
      if (n % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise<void>((resolve) => log.end(resolve));

    const folder = join(dataDir, 'postgres');
    const files = readdirSync(folder).sort();
    expect(files).toEqual(
      [
        'server.log',
        ...Array.from({ length: SERVER_LOG_KEPT }, (_, i) => `server.log.${i + 1}`),
      ].sort(),
    );
    for (const file of files) expect(statSync(join(folder, file)).size).toBeLessThan(2 * 1024);
    // the newest lines end server.log, and the kept files hold the lines just before them
    const kept = [
      ...files
        .filter((f) => f !== 'server.log')
        .sort()
        .reverse(),
      'server.log',
    ]
      .map((f) => readFileSync(join(folder, f), 'utf8'))
      .join('');
    expect(written.join('').endsWith(kept)).toBe(true);
    expect(kept.length).toBeGreaterThan(SERVER_LOG_KEPT * 1024);
  });
});
