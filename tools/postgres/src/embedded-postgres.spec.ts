import { portTaken } from './embedded-postgres';

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
