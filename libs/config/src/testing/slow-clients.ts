import { connect, type Socket } from 'node:net';

/**
 * Test helpers for the per-address connection caps (limitConnectionsPerAddress): clients
 * that open connections from one loopback address and send headers that never end, and a
 * well-behaved client from another address. For specs only.
 */

/** The loopback address the slow clients connect from. */
export const SLOW_ADDRESS = '127.0.0.3';
/** The loopback address of the client that must still be answered. */
export const OTHER_ADDRESS = '127.0.0.2';

/** Resolves true when the server closes `socket`, false if it is still open after `ms`. */
export function closedByServer(socket: Socket, ms = 1_000): Promise<boolean> {
  return new Promise((resolveClosed) => {
    const timer = setTimeout(() => resolveClosed(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolveClosed(true);
    });
  });
}

/**
 * Opens `count` connections to `port` from `from`, each sending a request line and headers
 * that never end; every socket is also pushed to `opened` (for the caller's clean-up).
 */
export function slowHeaderSenders(
  port: number,
  count: number,
  opened: Socket[],
  from = SLOW_ADDRESS,
): Promise<Socket[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: from });
      socket.on('error', () => undefined);
      opened.push(socket);
      await new Promise((resolveConnect) => socket.once('connect', resolveConnect));
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: aaaa\r\n');
      return socket;
    }),
  );
}

/** The whole HTTP answer to `GET /health` from `from` (the connection closed after it). */
export function healthAnswer(port: number, from = OTHER_ADDRESS): Promise<string> {
  return new Promise<string>((resolveAnswer) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => resolveAnswer(text));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  });
}
