import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { letGoOfSlowReaders, type SlowReaderRelease } from './slow-readers';

const ANSWER = Buffer.alloc(16 * 1024 * 1024, 'a');
const pause = (ms: number): Promise<void> =>
  new Promise((resolveLater) => setTimeout(resolveLater, ms));

interface Running {
  server: Server;
  port: number;
  released: SlowReaderRelease[];
  /** The server's side of each connection, in the order they opened. */
  accepted: Socket[];
}

/** A server answering 16 MB to every request, behind letGoOfSlowReaders. */
async function start(answerBufferBytes: number, stallTimeoutMs?: number): Promise<Running> {
  const server = createServer((_req, res) => res.end(ANSWER));
  const released: SlowReaderRelease[] = [];
  const accepted: Socket[] = [];
  server.on('connection', (socket: Socket) => accepted.push(socket));
  letGoOfSlowReaders(server, {
    answerBufferBytes,
    stallTimeoutMs,
    released: { inc: ({ reason }) => released.push(reason) },
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return { server, port: (server.address() as AddressInfo).port, released, accepted };
}

async function stop(running: Running, clients: Socket[]): Promise<void> {
  for (const client of clients) client.destroy();
  running.server.closeAllConnections();
  await new Promise((resolveClose) => running.server.close(resolveClose));
}

/** Asks for an answer and reads nothing of it. */
async function pausedReader(port: number, clients: Socket[]): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  clients.push(socket);
  await new Promise((connected) => socket.once('connect', connected));
  socket.pause();
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  return socket;
}

/** Asks for an answer and reads all of it; resolves the bytes received. */
function reader(port: number, clients: Socket[]): Promise<number> {
  const socket = connect({ host: '127.0.0.1', port });
  clients.push(socket);
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  return new Promise((resolveRead) => socket.once('close', () => resolveRead(received)));
}

const closed = (socket: Socket): boolean => socket.destroyed;

/** Resolves once `socket` closed; fails after `ms`. */
function closing(socket: Socket, ms: number): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolveClose, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolveClose();
    });
  });
}

describe('letGoOfSlowReaders', () => {
  it('should close, past the buffer, the connection that read nothing for longest, and answer a reading client whole', async () => {
    const running = await start(20 * 1024 * 1024);
    const clients: Socket[] = [];
    try {
      await pausedReader(running.port, clients);
      // one answer fits; the second will not, and the first read nothing for more than the
      // 2 s (8 looks) a reading client may miss
      await pause(2_500);
      await pausedReader(running.port, clients);
      // Let go of as the second answer is written, or at a later look if a loaded machine's
      // late looks had not counted eight by then (2.5 s leaves them 250 ms): waited for.
      const first = running.accepted[0];
      await closing(first, 5_000);
      expect([closed(first), closed(running.accepted[1])]).toEqual([true, false]);
      expect(running.released).toEqual(['over_budget']);
      expect(await reader(running.port, clients)).toBeGreaterThan(ANSWER.length);
    } finally {
      await stop(running, clients);
    }
  }, 15_000);

  it('should close a fresh connection at once when the answers at the sockets pass twice the buffer', async () => {
    const running = await start(4 * 1024 * 1024);
    const clients: Socket[] = [];
    try {
      // Closed as the answer is written, before the next look could judge it: seen from a
      // listener that runs right after the handler's end(), whatever the machine's load.
      const closedAtAnswer = new Promise<boolean>((seen) =>
        running.server.on('request', (req: IncomingMessage) => seen(req.socket.destroyed)),
      );
      await pausedReader(running.port, clients);
      expect(await closedAtAnswer).toBe(true);
      expect(running.released).toEqual(['over_budget']);
    } finally {
      await stop(running, clients);
    }
  });

  it('should close a connection whose answer took no byte for the stall timeout', async () => {
    const running = await start(1024 * 1024 * 1024, 1_000);
    const clients: Socket[] = [];
    try {
      await pausedReader(running.port, clients);
      await pause(3_500);
      expect(closed(running.accepted[0])).toBe(true);
      expect(running.released).toEqual(['stalled']);
    } finally {
      await stop(running, clients);
    }
  });

  it('should keep a connection whose client reads its answer steadily, and an idle one', async () => {
    const running = await start(1024 * 1024 * 1024, 1_500);
    const clients: Socket[] = [];
    try {
      const slow = await pausedReader(running.port, clients);
      const idle = connect({ host: '127.0.0.1', port: running.port });
      clients.push(idle);
      // 5 MB/s, 512 KB at a time: the kernel's buffers pass it on in bursts well within 1.5 s.
      const sipping = setInterval(() => {
        slow.read(512 * 1024);
      }, 100);
      await pause(3_500);
      clearInterval(sipping);
      expect(running.accepted.map(closed)).toEqual([false, false]);
      expect(running.released).toEqual([]);
    } finally {
      await stop(running, clients);
    }
  });
});
