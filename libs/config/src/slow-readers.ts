import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Most milliseconds an answer may wait with none of its bytes taken by the client (its
 * receive window shut: it reads nothing). A client on a slow link still takes a few bytes
 * a second; nginx's send_timeout is 60 s, ours matches REQUEST_TIMEOUT_MS.
 */
export const ANSWER_STALL_TIMEOUT_MS = 30_000;
/**
 * Bytes of answers the ingest's and the bridge's /health and /metrics ports hold for clients
 * not reading them: a scraper pipelining a thousand /metrics (about 10 KB each) has them
 * all answered at once.
 */
export const HEALTH_ANSWER_BUFFER_BYTES = 16 * 1024 * 1024;
/** How often every connection is looked at: stalls, and who read nothing past the buffer. */
const LOOK_INTERVAL_MS = 250;
/**
 * Looks in a row a client must have taken nothing before it may be let go of for the
 * buffer (2 s): a client that reads, on a machine whose cores are busy, can miss a look or
 * a few (a scraper pipelining 2,000 /metrics lost its connection after 296 answers when it
 * missed one while another suite loaded both cores).
 */
const OVER_BUDGET_IDLE_LOOKS = 8;

/** Why a connection was let go of: its answer made no progress, or the buffer was full. */
export type SlowReaderRelease = 'stalled' | 'over_budget';

export interface SlowReaderLimits {
  /**
   * Most bytes of answers held in this process's memory for clients that have not taken
   * them yet, all connections together (past it, the connections that have read nothing for
   * longest are closed first).
   */
  answerBufferBytes: number;
  /** ANSWER_STALL_TIMEOUT_MS unless told (tests). */
  stallTimeoutMs?: number;
  /** Counts each connection let go of, by reason. */
  released?: { inc(labels: { reason: SlowReaderRelease }): void };
}

interface Flow {
  /** Bytes the socket handed to libuv, and libuv's queue of bytes the kernel has not taken. */
  dispatched: number;
  writeQueue: number;
  /** When the client last took a byte, or had nothing waiting. */
  lastProgress: number;
  /**
   * Whether it took a byte (or had nothing waiting) since the last look of the interval, and
   * how many intervals in a row it did not: counted only there, between which Node reads
   * the sockets, so a busy event loop is never taken for a client that stopped reading.
   */
  movedSinceTick: boolean;
  idleTicks: number;
  /** Bytes of this connection counted in the totals: at its socket, and in all. */
  atSocket: number;
  counted: number;
  /** Bytes of pipelined answers waiting behind another, with no socket yet (in memory). */
  queued: number;
}

/**
 * What the client has taken so far, as Node's socket knows it: one write at a time is
 * handed to libuv (`_bytesDispatched` moves when the one before was all taken by the
 * kernel), and libuv's write queue shrinks while a large write drains (writableLength, the
 * whole write until it completes, does not; Node's own socket timeout reads it the same
 * way). bytesWritten would do, but it walks every buffered chunk at each call.
 */
function taken(socket: Socket): { dispatched: number; writeQueue: number } {
  const internals = socket as Socket & {
    _bytesDispatched?: number;
    _handle?: { writeQueueSize?: number } | null;
  };
  return {
    dispatched: internals._bytesDispatched ?? 0,
    writeQueue: internals._handle?.writeQueueSize ?? 0,
  };
}

/**
 * Lets go of clients that ask for answers and do not read them. Node keeps what the kernel
 * does not take in the socket's buffer, in this process, for as long as the socket lives,
 * and no timeout covers an answer (requestTimeout ends when the request has arrived): 256
 * connections pipelining 16 of the dashboard's 293 KB source map each, never read, took the
 * API from 151 to 402 MB for good. So:
 * - every answer's bytes waiting in memory are counted, those of pipelined answers queued
 *   behind an unread one too (Node starts every request of a chunk at once, and stops
 *   reading a connection only once an answer waits);
 * - a connection whose answer has waited the stall timeout (ANSWER_STALL_TIMEOUT_MS) with
 *   no byte taken is closed (`stalled`);
 * - when the answers waiting exceed `answerBufferBytes`, the connections whose client took
 *   nothing for longest are closed until they fit (`over_budget`); one whose client took a
 *   byte within the last OVER_BUDGET_IDLE_LOOKS looks (2 s, a look every 250 ms) is spared (an honest client
 *   pipelining a thousand requests has them all answered at once, and reads them), unless
 *   the answers at the sockets alone exceed twice the buffer (a crowd of fresh connections
 *   reading nothing fills it faster than any grace).
 * Call before `listen`.
 */
export function letGoOfSlowReaders(server: Server, limits: SlowReaderLimits): void {
  const flows = new Map<Socket, Flow>();
  const stallTimeoutMs = limits.stallTimeoutMs ?? ANSWER_STALL_TIMEOUT_MS;
  let total = 0;
  let totalAtSocket = 0;

  const forget = (socket: Socket): void => {
    const flow = flows.get(socket);
    if (!flow) return;
    total -= flow.counted;
    totalAtSocket -= flow.atSocket;
    flows.delete(socket);
  };
  const release = (socket: Socket, reason: SlowReaderRelease): void => {
    limits.released?.inc({ reason });
    socket.destroy();
    forget(socket);
  };
  /** Notes the client's progress and recounts what the connection holds. */
  const look = (socket: Socket, flow: Flow, now: number): void => {
    const atSocket = socket.destroyed ? 0 : socket.writableLength;
    const counted = atSocket + flow.queued;
    const { dispatched, writeQueue } = taken(socket);
    // Nothing waiting at the socket: the client is not what holds the answers up.
    if (atSocket === 0 || dispatched !== flow.dispatched || writeQueue !== flow.writeQueue) {
      flow.lastProgress = now;
      flow.movedSinceTick = true;
    }
    flow.dispatched = dispatched;
    flow.writeQueue = writeQueue;
    total += counted - flow.counted;
    totalAtSocket += atSocket - flow.atSocket;
    flow.counted = counted;
    flow.atSocket = atSocket;
  };
  /** The connection to close first while over the buffer, if any may be. */
  const slowestReader = (): Socket | undefined => {
    const crowded = totalAtSocket > 2 * limits.answerBufferBytes;
    let slowest: Flow | undefined;
    let socket: Socket | undefined;
    for (const [candidate, flow] of flows) {
      const reading = flow.idleTicks < OVER_BUDGET_IDLE_LOOKS;
      if (flow.counted === 0 || (reading && !(crowded && flow.atSocket > 0))) continue;
      if (!slowest || flow.lastProgress < slowest.lastProgress) {
        slowest = flow;
        socket = candidate;
      }
    }
    return socket;
  };
  const fitBuffer = (): void => {
    while (total > limits.answerBufferBytes) {
      const socket = slowestReader();
      if (!socket) return;
      release(socket, 'over_budget');
    }
  };
  const afterWrite = (socket: Socket): void => {
    const flow = flows.get(socket);
    if (!flow) return;
    const now = Date.now();
    look(socket, flow, now);
    if (total > limits.answerBufferBytes) fitBuffer();
  };

  server.on('connection', (socket: Socket) => {
    const flow: Flow = {
      dispatched: 0,
      writeQueue: 0,
      lastProgress: Date.now(),
      movedSinceTick: true,
      idleTicks: 0,
      atSocket: 0,
      counted: 0,
      queued: 0,
    };
    flows.set(socket, flow);
    socket.on('drain', () => afterWrite(socket));
    socket.once('close', () => forget(socket));
  });

  // Before the application's handler: each answer's writes are counted as they are made.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const flow = flows.get(socket);
    if (!flow) return;
    // What this answer holds while it waits behind another (Node gives it the socket, and
    // writes out what it holds, when the answer before it is finished).
    let queued = 0;
    const requeue = (): void => {
      const now = res.socket || res.writableFinished ? 0 : res.writableLength;
      flow.queued += now - queued;
      queued = now;
    };
    for (const method of ['write', 'end'] as const) {
      const original = res[method].bind(res) as (...args: unknown[]) => unknown;
      (res as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        // An answer begun on a socket with nothing waiting: the client has kept up so far.
        if (!socket.destroyed && socket.writableLength === 0) {
          flow.lastProgress = Date.now();
          flow.movedSinceTick = true;
        }
        const result = original(...args);
        requeue();
        afterWrite(socket);
        return result;
      };
    }
    const settle = (): void => {
      flow.queued -= queued;
      queued = 0;
    };
    res.once('socket', settle);
    res.once('finish', settle);
    res.once('close', settle);
  });

  let timer: NodeJS.Timeout | undefined;
  server.once('listening', () => {
    timer = setInterval(() => {
      const now = Date.now();
      for (const [socket, flow] of flows) {
        look(socket, flow, now);
        flow.idleTicks = flow.movedSinceTick ? 0 : flow.idleTicks + 1;
        flow.movedSinceTick = false;
        if (flow.counted > 0 && now - flow.lastProgress > stallTimeoutMs) {
          release(socket, 'stalled');
        }
      }
      fitBuffer();
    }, LOOK_INTERVAL_MS);
    timer.unref();
  });
  server.once('close', () => clearInterval(timer));
}
