import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { limitConnectionsPerAddress } from './connection-limits';
import { closedByServer as closedWithin } from './testing/slow-clients';

/**
 * Resolves when `socket` is closed by the server (true) or still open after `ms` (false): 300
 * ms to see one kept open (a server that closes does so as it accepts), 2 s for one to be
 * closed (it resolves as soon as it is; the time is for a loaded machine's scheduling).
 */
const closedByServer = (socket: Socket, ms = 300): Promise<boolean> => closedWithin(socket, ms);

describe('limitConnectionsPerAddress', () => {
  let server: Server;
  let port: number;
  let refused: Counter;
  const sockets: Socket[] = [];

  const open = async (localAddress: string): Promise<Socket> => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.on('error', () => undefined);
    await new Promise((resolveConnect) => socket.once('connect', resolveConnect));
    sockets.push(socket);
    return socket;
  };

  beforeEach(async () => {
    server = createServer((_req, res) => res.end('ok'));
    refused = new Counter({ name: 'refused', help: 'refused', registers: [new Registry()] });
    limitConnectionsPerAddress(server, 3, refused);
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise((resolveClose) => server.close(resolveClose));
  });

  it('should close the connection past the limit of one address and keep the others open', async () => {
    const kept = [await open('127.0.0.2'), await open('127.0.0.2'), await open('127.0.0.2')];
    const extra = await open('127.0.0.2');
    expect(await closedByServer(extra, 2_000)).toBe(true);
    expect(await Promise.all(kept.map((s) => closedByServer(s)))).toEqual([false, false, false]);
    expect((await refused.get()).values[0].value).toBe(1);
  });

  it('should count each address on its own when another one is at its limit', async () => {
    for (let i = 0; i < 3; i += 1) await open('127.0.0.2');
    expect(await closedByServer(await open('127.0.0.3'))).toBe(false);
  });

  it('should let an address open again once its connections close', async () => {
    // The server's side of each (its 'close' listeners run after the limiter's).
    const accepted: Socket[] = [];
    const acceptedAll = new Promise<Socket[]>((all) =>
      server.on('connection', (socket: Socket) => {
        if (accepted.push(socket) === 3) all(accepted);
      }),
    );
    const first = [await open('127.0.0.2'), await open('127.0.0.2'), await open('127.0.0.2')];
    // The server sees the closes (waited for: a fixed 50 ms could pass on a loaded machine
    // before its loop read them, and the next connection be refused).
    const seen = Promise.all(
      (await acceptedAll).map((s) => new Promise((r) => (s.closed ? r(s) : s.once('close', r)))),
    );
    for (const socket of first) socket.destroy();
    await seen;
    const again = [await open('127.0.0.2'), await open('127.0.0.2'), await open('127.0.0.2')];
    expect(await Promise.all(again.map((s) => closedByServer(s)))).toEqual([false, false, false]);
    expect((await refused.get()).values[0].value).toBe(0);
  });
});
