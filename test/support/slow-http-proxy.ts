// An HTTP proxy in front of a real server (Orthanc) that holds the requests a test names
// before forwarding them: one slow answer among fast ones, which stopping the whole server
// (SIGSTOP) cannot give. Everything else is forwarded as it comes.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlowHttpProxy {
  /** The proxy's root, e.g. `http://127.0.0.1:40123`: give it instead of the server's. */
  url: string;
  /** Requests whose path matches are held `delayMs` before being forwarded; undefined: none. */
  slow(match: ((path: string) => boolean) | undefined, delayMs?: number): void;
  /** How many requests were held so far. */
  held(): number;
  close(): Promise<void>;
}

export async function startSlowHttpProxy(target: string): Promise<SlowHttpProxy> {
  const to = new URL(target);
  let match: ((path: string) => boolean) | undefined;
  let delayMs = 0;
  let held = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? '/';
    const forward = (): void => {
      const upstream = request(
        {
          host: to.hostname,
          port: to.port,
          method: incoming.method,
          path,
          headers: { ...incoming.headers, host: to.host },
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.destroy());
      incoming.pipe(upstream);
    };
    if (match?.(path)) {
      held += 1;
      const timer = setTimeout(forward, delayMs);
      outgoing.on('close', () => clearTimeout(timer)); // the client gave up
    } else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    slow: (m, ms = 0) => {
      match = m;
      delayMs = ms;
    },
    held: () => held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
