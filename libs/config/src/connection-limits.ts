import type { Server } from 'node:net';

/**
 * At most `max` open connections per client address: the next one is closed as it opens.
 * Node keeps a connection whose request headers never end, with up to 16 KiB of them, for
 * headersTimeout (HEADERS_TIMEOUT_MS since guardHttpServer; Node's 60 s before), and
 * nothing else bounds how many one client holds: 12,000 from one address took the API's
 * RSS from 146 MB to 385 MB. A client (or a proxy in front, which then needs a larger
 * limit) holding its share leaves the others theirs. Counted before any byte is read, so a
 * refusal costs a socket's open and close.
 * Every HTTP port of ours has one: the API's (API_CONNECTIONS_PER_ADDRESS) and the ingest's
 * and the bridge's /health and /metrics (HEALTH_CONNECTIONS_PER_ADDRESS).
 */
export function limitConnectionsPerAddress(
  server: Server,
  max: number,
  refused?: { inc(): void },
): void {
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      refused?.inc();
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * The cap of the ingest's and the bridge's /health and /metrics ports: a scraper and a
 * load balancer's probe or two per address, with room to spare; never a proxy's crowd.
 */
export const HEALTH_CONNECTIONS_PER_ADDRESS = 16;
