// Attack: clients that ask the API for large answers and never read them (a raw socket,
// paused: its receive window closes). Node keeps what the kernel does not take in the
// socket's buffer in user space, for as long as the socket lives; no timeout of ours covers
// an answer (requestTimeout ends when the request has arrived). Two shapes, against the
// built API in its own process (npm start's), with no token at all: the dashboard's files
// are public.
// - 8 addresses x 32 connections, each pipelining 16 requests for the dashboard's source
//   map (293 KB) in one write: Node starts every pipelined request of a chunk at once, and
//   buffers every answer behind the one the client does not read.
// - 64 addresses x API_CONNECTIONS_PER_ADDRESS (128 here) connections, one such request
//   each: the per-address cap never bites.
// What a user checks: the API stays within 300 MB (issue 16), another client is answered
// within 5 s (its query reads PostgreSQL through the API's pool), and the API lets go of a
// client that reads nothing within 45 s.
// On main: the pipelining readers took the API's RSS from 151 MB to 402 MB and all 256 were
// still held 45 s later (an honest query waited 10 to 5,095 ms); the 8,192 single readers
// took it from 371 MB to 672 MB, and 1,766 of them (those whose answer did not fit the
// kernel's buffers) were still held 40 s later. The open-file limit (20,000 here; Node
// raises the soft limit to the hard one) was not reached: 1,786 open in the API.
// After (letGoOfSlowReaders, and each dashboard file read once while unchanged): peak RSS
// 177 to 200 MB (255 to 340 MB with a copy of the file read for each request); the 256 let
// go of within 33 s (237 past API_ANSWER_BUFFER_BYTES, 19 stalled 30 s); none of the 8,192
// held after 40 s; honest answers in 8 to 110 ms.
// Reproduce: npm run build && npx jest --config jest.e2e.config.js test/api/slow-readers.e2e.ts
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { rawExchange, refusalOf } from '@scantrail/config/testing';
import { startBuiltApi, type BuiltApi } from '../support/built-api';
import type { IngestProcess } from '../support/ingest-process';
import { eventually } from '../support/test-env';

const RSS_LIMIT_KB = 300 * 1024; // issue 16
const PER_ADDRESS = 128;
const HONEST = '127.0.8.1';
const ASSET = '/dashboard/app.js.map';

let built: BuiltApi | undefined;
let api: IngestProcess;
let port: number;
let officer: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  built = await startBuiltApi('slow-readers', { API_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS) });
  ({ process: api, port, officer } = built);
  await eventually(
    async () => ((await honestQuery()).status === 200 ? true : undefined),
    60_000,
    `the API answering (${api.output()})`,
  );
}, 120_000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await built?.stop();
});

/** `{ ledger { treeSize } }` for the officer from HONEST (PostgreSQL through the API's pool). */
async function honestQuery(): Promise<{ status: number; tookMs: number }> {
  const body = JSON.stringify({ query: '{ ledger { treeSize } }' });
  const started = Date.now();
  const answer = await rawExchange(
    port,
    `POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${officer}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    { from: HONEST, waitMs: 30_000 },
  );
  const status = answer.text.includes('"treeSize":') ? refusalOf(answer.text).status : 0;
  return { status, tookMs: Date.now() - started };
}

/** Open file descriptors of a process (its sockets among them) and its limit on them. */
function openFiles(pid: number | 'self'): string {
  try {
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1];
    return `${readdirSync(`/proc/${pid}/fd`).length} of ${limit}`;
  } catch {
    return 'unknown';
  }
}

/** Connections the API says it let go of for not reading (its /metrics), by reason. */
async function releasedByApi(): Promise<Record<string, number>> {
  const answer = await rawExchange(
    port,
    'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    {
      from: HONEST,
    },
  );
  const released: Record<string, number> = {};
  for (const match of answer.text.matchAll(
    /^scantrail_api_slow_readers_released_total\{reason="(\w+)"\} (\d+)/gm,
  )) {
    released[match[1]] = Number(match[2]);
  }
  return released;
}

interface SlowReader {
  socket: Socket;
  /** Its address and port as /proc/net/tcp writes them (little-endian hex). */
  key: string;
  startedAt: number;
  /** Milliseconds from the request until the API let go of the connection; undefined: held. */
  releasedAfterMs?: number;
}

const hex = (value: number, digits: number): string =>
  value.toString(16).toUpperCase().padStart(digits, '0');

/**
 * The client ends (address:port, as /proc/net/tcp writes them) of the connections the API
 * still holds: its side ESTABLISHED or CLOSE_WAIT. A paused client reads nothing, not even
 * the server's FIN, so the server's side of the socket is where a release shows.
 */
function heldByApi(): Set<string> {
  const held = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, remote, state] = line.trim().split(/\s+/);
    if (local?.endsWith(`:${hex(port, 4)}`) && (state === '01' || state === '08')) held.add(remote);
  }
  return held;
}

/** Marks the readers the API let go of since the last look; returns how many it still holds. */
function stillHeld(readers: SlowReader[]): number {
  const held = heldByApi();
  for (const reader of readers) {
    if (reader.releasedAfterMs === undefined && !held.has(reader.key)) {
      reader.releasedAfterMs = Date.now() - reader.startedAt;
    }
  }
  return readers.filter((reader) => reader.releasedAfterMs === undefined).length;
}

/** Connects from `from`, writes `requests` GETs of ASSET at once, and reads nothing back. */
async function slowReader(from: string, requests: number): Promise<SlowReader> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: from });
  socket.on('error', () => undefined);
  sockets.push(socket);
  await new Promise((connected) => socket.once('connect', connected));
  socket.pause();
  const address = from
    .split('.')
    .reverse()
    .map((byte) => hex(Number(byte), 2))
    .join('');
  socket.write(`GET ${ASSET} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(requests));
  return { socket, key: `${address}:${hex(socket.localPort ?? 0, 4)}`, startedAt: Date.now() };
}

const pause = (ms: number): Promise<void> =>
  new Promise((resolveLater) => setTimeout(resolveLater, ms));

describe('clients that ask for large answers and never read them', () => {
  it('should stay within 300 MB, answer another client, and let go of 256 connections pipelining 16 answers each', async () => {
    const before = api.memoryKb();
    const readers: SlowReader[] = [];
    for (let a = 1; a <= 8; a += 1) {
      const batch = Array.from({ length: 32 }, () => slowReader(`127.0.9.${a}`, 16));
      readers.push(...(await Promise.all(batch)));
    }
    await pause(5_000);
    const honest = await honestQuery();
    const during = api.memoryKb();
    // Wait up to 45 s from the last request for the API to let go of every reader.
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline && stillHeld(readers) > 0) await pause(500);
    const open = stillHeld(readers);
    const closedAfter = readers
      .map((reader) => reader.releasedAfterMs ?? Infinity)
      .sort((x, y) => x - y);
    console.log(
      `pipelining readers: API RSS ${before?.rss} kB -> ${during?.rss} kB (peak ${during?.peak} kB); ` +
        `honest ${honest.status} in ${honest.tookMs} ms; ${open} of ${readers.length} still held; ` +
        `let go after ${closedAfter[0]}..${closedAfter[closedAfter.length - 1]} ms`,
    );
    expect(honest.status).toBe(200);
    expect(honest.tookMs).toBeLessThan(5_000);
    expect(during?.peak).toBeLessThanOrEqual(RSS_LIMIT_KB);
    expect(open).toBe(0);
    expect(closedAfter[closedAfter.length - 1]).toBeLessThan(45_000);
    const released = await releasedByApi();
    console.log(`released by the API: ${JSON.stringify(released)}`);
    expect((released.stalled ?? 0) + (released.over_budget ?? 0)).toBeGreaterThanOrEqual(256);
  }, 90_000);

  it('should stay within 300 MB and answer another client when 64 addresses each hold their share of slow readers', async () => {
    for (const socket of sockets) socket.destroy();
    await pause(1_000);
    const before = api.memoryKb();
    const readers: SlowReader[] = [];
    for (let a = 1; a <= 64; a += 1) {
      const batch = Array.from({ length: PER_ADDRESS }, () => slowReader(`127.0.10.${a}`, 1));
      readers.push(...(await Promise.all(batch)));
    }
    await pause(5_000);
    const honest = await honestQuery();
    const during = api.memoryKb();
    const heldAfter5s = stillHeld(readers);
    const deadline = Date.now() + 35_000;
    while (Date.now() < deadline && stillHeld(readers) > 0) await pause(500);
    const open = stillHeld(readers);
    console.log(
      `${readers.length} readers from 64 addresses: API RSS ${before?.rss} kB -> ${during?.rss} kB (peak ${during?.peak} kB); ` +
        `honest ${honest.status} in ${honest.tookMs} ms; ${heldAfter5s} held by the API after 5 s, ${open} after 40 s; open files: API ${openFiles(api.pid)}, test ${openFiles('self')}; ` +
        `API alive: ${api.exit() === undefined}`,
    );
    expect(api.exit()).toBeUndefined();
    expect(honest.status).toBe(200);
    expect(honest.tookMs).toBeLessThan(5_000);
    expect(during?.peak).toBeLessThanOrEqual(RSS_LIMIT_KB);
    expect(open).toBe(0);
    // 58 and 59 s in session 36's runs (four e2e files on two cores) against 90 s before:
    // opening the 8,192 readers, 5 s, then up to 35 s for the API to let go of them (the 47
    // held after 5 s go at its 30 s stall timeout). The test's own waits, not this, tell.
  }, 180_000);
});
