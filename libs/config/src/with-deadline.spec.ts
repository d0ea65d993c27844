import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { withDeadline } from './with-deadline';

/** Keeps the event loop busy for `ms`, as dispatching a flood of requests does. */
const busyFor = (ms: number): void => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

describe('withDeadline', () => {
  it('should give the answer a socket received within the deadline, though the event loop was busy past it', async () => {
    const server = createServer((socket) => socket.end('pong'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      const answer = new Promise<string>((resolve) =>
        client.once('data', (d) => resolve(String(d))),
      );
      await once(client, 'connect');
      const reply = withDeadline(answer, 20, () => new Error('no answer within 20 ms'));
      // The pong arrives while the loop is busy; the deadline passes before Node reads it.
      busyFor(200);
      await expect(reply).resolves.toBe('pong');
      client.destroy();
    } finally {
      server.close();
    }
  });

  it('should refuse with its error what never settles', async () => {
    await expect(
      withDeadline(new Promise(() => undefined), 20, () => new Error('no answer within 20 ms')),
    ).rejects.toThrow('no answer within 20 ms');
  });

  it('should pass on the promise’s own error', async () => {
    await expect(
      withDeadline(Promise.reject(new Error('refused')), 1_000, () => new Error('late')),
    ).rejects.toThrow('refused');
  });
});
