// Attack: a hostile client below GraphQL, speaking HTTP/1.1 by hand over a raw socket to the
// real API (its own role, real PostgreSQL): what Node's HTTP parser refuses (request lines
// that are not HTTP, a 100 KB bearer token, smuggling shapes: Content-Length with
// Transfer-Encoding, two Content-Lengths, bad chunks), and clients that trickle their bytes
// or send none. What a client must see: an answer it can read (a JSON body saying what is
// wrong, repeating nothing it sent), and a server that lets go of it within seconds.
// On main: every parser refusal was a bare status line with no body; a header trickled a byte
// a second held its connection 89.6 s, a body trickled with a token 329.6 s, a connection
// that sent nothing 84 s (Node's defaults: headersTimeout 60 s, requestTimeout 300 s,
// checked every 30 s).
// Reproduce: npx jest --config jest.e2e.config.js test/api/http-edges.e2e.ts
import { connect, type Socket } from 'node:net';
import { mintToken } from '@scantrail/access';
import { createLogger } from '@scantrail/config';
import {
  pipelined,
  rawExchange,
  refusalOf,
  type RawExchange,
  type RawExchangeOptions,
} from '@scantrail/config/testing';
import type { DataSource } from 'typeorm';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import { CapturedLog } from '../support/captured-log';
import { createTestDatabase, testSettings, type TestDatabase } from '../support/test-env';
import { startScenarioApi } from './scenario-api';

/** A value that must never come back in an answer. */
const MARKER = 'MRN-EDGE-4711';
/** Where the hostile clients connect from; the honest client uses HONEST. */
const HOSTILE = '127.0.0.31';
const HONEST = '127.0.0.32';

const settings = testSettings();
let db: TestDatabase;
let api: RunningApi;
let apiDataSource: DataSource;
let officer: string;
const opened: Socket[] = [];
/** The API's warnings: which dependency a 503 from /health was about, and why. */
const warnings = new CapturedLog();

beforeAll(async () => {
  db = await createTestDatabase();
  ({ api, apiDataSource } = await startScenarioApi({
    db,
    settings,
    extra: [],
    name: 'http-edges',
    logger: createLogger('scantrail-api', 'warn', warnings),
  }));
  officer = mintToken({
    secret: settings.authJwtSecret,
    sub: 'edge-officer',
    roles: ['privacy_officer'],
    ttlSeconds: 3600,
  });
});

afterAll(async () => {
  for (const socket of opened) socket.destroy();
  await api?.close();
  await apiDataSource?.destroy();
  await db?.drop();
});

/** Writes `bytes` by hand from HOSTILE (unless told) and collects the answer. */
const exchange = (bytes: string, options: RawExchangeOptions = {}): Promise<RawExchange> =>
  rawExchange(api.port, bytes, { from: HOSTILE, opened, ...options });

const query = JSON.stringify({ query: '{ verifierKey }' });
const bearer = (): string => `Authorization: Bearer ${officer}\r\n`;

describe("what Node's HTTP parser refuses", () => {
  // A request whose body hides a second one: answered twice, it was smuggled.
  const hidden = `GET /metrics?${MARKER} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const cases: [string, () => string, number, string][] = [
    ['a request line that is not HTTP', () => `${MARKER} \r\n\r\n`, 400, 'BAD_REQUEST'],
    [
      'an HTTP version that does not exist',
      () => `GET /health?${MARKER} HTTP/9.9\r\nHost: x\r\n\r\n`,
      400,
      'BAD_REQUEST',
    ],
    [
      'a 100 KB bearer token',
      () =>
        `POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${MARKER}${'a'.repeat(100 * 1024)}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${query.length}\r\n\r\n${query}`,
      431,
      'REQUEST_HEADER_FIELDS_TOO_LARGE',
    ],
    [
      'Content-Length beside Transfer-Encoding: chunked (CL.TE smuggling)',
      () =>
        `POST /graphql HTTP/1.1\r\nHost: x\r\n${bearer()}Content-Type: application/json\r\n` +
        `Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${hidden}`,
      400,
      'BAD_REQUEST',
    ],
    [
      'two Content-Length headers that disagree',
      () =>
        `POST /graphql HTTP/1.1\r\nHost: x\r\n${bearer()}Content-Type: application/json\r\n` +
        `Content-Length: ${query.length}\r\nContent-Length: ${query.length + hidden.length}\r\n\r\n${query}${hidden}`,
      400,
      'BAD_REQUEST',
    ],
    [
      'Transfer-Encoding: chunked, identity (chunked not last)',
      () =>
        `POST /graphql HTTP/1.1\r\nHost: x\r\n${bearer()}Content-Type: application/json\r\n` +
        `Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${hidden}`,
      400,
      'BAD_REQUEST',
    ],
    [
      'a chunk size that is not hexadecimal',
      () =>
        `POST /graphql HTTP/1.1\r\nHost: x\r\n${bearer()}Content-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${MARKER}\r\n${query}\r\n0\r\n\r\n`,
      400,
      'BAD_REQUEST',
    ],
    [
      'a header folded over two lines (obs-fold, RFC 9112 5.2)',
      () => `GET /health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n ${MARKER}\r\n\r\n`,
      400,
      'BAD_REQUEST',
    ],
    [
      'chunk extensions of 20 KB',
      () =>
        `POST /graphql HTTP/1.1\r\nHost: x\r\n${bearer()}Content-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n1;${MARKER}=${'a'.repeat(20 * 1024)}\r\n{\r\n0\r\n\r\n`,
      413,
      'PAYLOAD_TOO_LARGE',
    ],
  ];

  it.each(cases)(
    'should refuse %s with a JSON body saying what is wrong, repeating nothing, and close',
    async (_name, request, status, code) => {
      const answer = await exchange(request());
      const refusal = refusalOf(answer.text);
      expect({
        status: refusal.status,
        contentType: refusal.contentType,
        code: refusal.code,
        answers: refusal.answers,
        closed: answer.closedAfterMs !== undefined,
      }).toEqual({ status, contentType: 'application/json', code, answers: 1, closed: true });
      expect(refusal.message).toMatch(/\w+ \w+/);
      expect(answer.text).not.toContain(MARKER);
      expect(answer.text).not.toContain(officer.split('.')[1]);
    },
  );

  it('should name the header limit in the 431 answer', async () => {
    const answer = await exchange(
      `GET /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(100 * 1024)}\r\n\r\n`,
    );
    expect(refusalOf(answer.text).message).toContain('16384 bytes');
  });
});

describe('clients that trickle their bytes, or send none', () => {
  // All three run at once: each is given 45 s, and must be let go well before.
  const WAIT_MS = 45_000;
  let trickledHeaders: Promise<RawExchange>;
  let trickledBody: Promise<RawExchange>;
  let silent: Promise<RawExchange>;

  beforeAll(() => {
    const drip = { drip: 'a', everyMs: 1_000, waitMs: WAIT_MS };
    trickledHeaders = exchange(`GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: `, drip);
    trickledBody = exchange(
      `POST /graphql HTTP/1.1\r\nHost: x\r\n${bearer()}Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n`,
      { ...drip, drip: ' ' },
    );
    silent = exchange('', { waitMs: WAIT_MS });
  });

  it('should answer an honest client at once meanwhile', async () => {
    const answer = await exchange(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${bearer()}Content-Type: application/json\r\n` +
        `Content-Length: ${query.length}\r\n\r\n${query}`,
      { from: HONEST },
    );
    expect(refusalOf(answer.text).status).toBe(200);
    expect(answer.text).toContain('"verifierKey":"test.scantrail.local/ledger+');
  });

  it('should answer 408 in JSON and close within 15 s a client trickling its headers a byte a second', async () => {
    const answer = await trickledHeaders;
    expect(answer.closedAfterMs).toBeLessThan(15_000);
    expect(refusalOf(answer.text)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
  }, 60_000);

  it('should close within 15 s a connection that sends nothing', async () => {
    const answer = await silent;
    expect(answer.closedAfterMs).toBeLessThan(15_000);
  }, 60_000);

  it('should answer 408 in JSON and close within 35 s a token holder trickling its body a byte a second', async () => {
    const answer = await trickledBody;
    expect(answer.closedAfterMs).toBeLessThan(35_000);
    expect(refusalOf(answer.text)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
  }, 60_000);
});

// Held on main as well (kept so it stays so): 250 connections that send nothing from each of
// 8 addresses (API_CONNECTIONS_PER_ADDRESS is 256) cost an honest client nothing it notices
// (p99 12.8 ms on main); the open-file limit is the only cap across addresses.
describe('2,000 idle connections from 8 addresses', () => {
  it('should keep answering an honest client at once', async () => {
    const idle = Array.from({ length: 8 * 250 }, (_, i) => {
      const socket = connect({
        host: '127.0.0.1',
        port: api.port,
        localAddress: `127.0.5.${1 + (i % 8)}`,
      });
      socket.on('error', () => undefined);
      opened.push(socket);
      return new Promise((connected) => socket.once('connect', connected));
    });
    await Promise.all(idle);
    const waits: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const started = Date.now();
      const answer = await exchange(
        `POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${bearer()}Content-Type: application/json\r\n` +
          `Content-Length: ${query.length}\r\n\r\n${query}`,
        { from: HONEST },
      );
      expect(refusalOf(answer.text).status).toBe(200);
      waits.push(Date.now() - started);
    }
    // 12.8 ms at p99 on a quiet machine; the bound leaves room for a full CI run's parallel
    // suites on two cores (one wait of 1,019 ms was seen there), not for a starved server.
    expect(Math.max(...waits)).toBeLessThan(5_000);
  });
});

// Attack: a token holder sends a body larger than API_BODY_LIMIT_BYTES. body-parser answers
// 413 only after reading the whole body ("read off entire request"): on main a declared
// Content-Length of 1 GB with no body sent got no answer (held until requestTimeout), and 8
// endless chunked bodies got no answer in 20 s while the API read 30 GB of them.
describe('bodies over API_BODY_LIMIT_BYTES', () => {
  const head = (framing: string): string =>
    `POST /graphql HTTP/1.1\r\nHost: x\r\n${bearer()}Content-Type: application/json\r\n${framing}\r\n\r\n`;

  it('should answer 413 at once, reading nothing, when Content-Length declares 1 GB', async () => {
    const answer = await exchange(head('Content-Length: 1000000000'), { waitMs: 10_000 });
    expect(refusalOf(answer.text)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(answer.closedAfterMs).toBeLessThan(2_000);
  });

  it('should answer 413 and close as soon as an endless chunked body passes the limit', async () => {
    const socket = connect({ host: '127.0.0.1', port: api.port, localAddress: HOSTILE });
    socket.on('error', () => undefined); // closed mid-write: what it answered counts
    opened.push(socket);
    const started = Date.now();
    let written = 0;
    let text = '';
    let answeredAfterMs: number | undefined;
    socket.on('data', (chunk: Buffer) => {
      answeredAfterMs ??= Date.now() - started;
      text += chunk.toString('latin1');
    });
    const chunk = Buffer.from(`10000\r\n${' '.repeat(0x10000)}\r\n`);
    const pump = (): void => {
      while (!socket.destroyed) {
        written += 0x10000;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.write(head('Transfer-Encoding: chunked'));
    pump();
    await new Promise<void>((closed) => {
      const giveUp = setTimeout(() => socket.destroy(), 10_000);
      socket.once('close', () => {
        clearTimeout(giveUp);
        closed();
      });
    });
    console.log(
      `endless chunked body: ${written / 2 ** 20} MiB written, answered after ${answeredAfterMs} ms`,
    );
    expect(refusalOf(text)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(answeredAfterMs).toBeLessThan(2_000);
    // The limit, and what the two sockets' buffers held meanwhile: not the stream.
    expect(written).toBeLessThan(32 * 2 ** 20);
  });

  it('should answer an honest chunked body within the limit', async () => {
    const half = Math.floor(query.length / 2);
    const chunks = [query.slice(0, half), query.slice(half)]
      .map((part) => `${part.length.toString(16)}\r\n${part}\r\n`)
      .join('');
    const answer = await exchange(
      `${head('Transfer-Encoding: chunked').slice(0, -2)}Connection: close\r\n\r\n${chunks}0\r\n\r\n`,
      { from: HONEST },
    );
    expect(refusalOf(answer.text).status).toBe(200);
    expect(answer.text).toContain('"verifierKey":"test.scantrail.local/ledger+');
  });
});

// Attack: /health and /metrics are public (no token, no rate limit), and each asked
// PostgreSQL (and Kafka) afresh: /health a SELECT 1 and a cluster description, /metrics the
// tree size, the quarantine count and the findings by code. Pipelined on one keep-alive
// connection, Node starts every request at once: on main 20,000 /metrics on one connection
// queued 60,000 queries before the API's pool; an honest query waited up to 390 s and the
// flood itself got no answer in 392 s; 50 connections of 2,000 /health each put an honest
// client's p99 at 10.2 s (max 21.8 s, some not answered in 20 s). This test's 2,000 and
// 2,000: /health said 503 (down) to 1,461 of 2,000, an honest query waited 2,352 ms.
describe('a flood of pipelined /health and /metrics, without a token', () => {
  const FLOOD = 2_000;
  const ledger = JSON.stringify({ query: '{ ledger { treeSize } }' });

  it('should answer the whole flood 200, and an honest client within 10 s meanwhile', async () => {
    const logged = warnings.text.length;
    const floods = Promise.all(
      ['/metrics', '/health'].map((path) =>
        pipelined(api.port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, FLOOD, {
          from: HOSTILE,
          waitMs: 90_000,
          opened,
        }),
      ),
    );
    await new Promise((resolveSoon) => setTimeout(resolveSoon, 200));
    const waits: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const started = Date.now();
      const answer = await exchange(
        `POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${bearer()}Content-Type: application/json\r\n` +
          `Content-Length: ${ledger.length}\r\n\r\n${ledger}`,
        { from: HONEST, waitMs: 30_000 },
      );
      waits.push(Date.now() - started);
      statuses.push(refusalOf(answer.text).status);
    }
    const [metrics, health] = await floods;
    // A 503 says which dependency did not answer in the API's log, not in the answer.
    const healthWarnings = warnings.text
      .slice(logged)
      .split('\n')
      .filter((line) => line.includes('"/health: '))
      .map((line) => {
        const { msg, err } = JSON.parse(line) as { msg: string; err?: { message?: string } };
        return `${msg} (${err?.message ?? 'no error'})`;
      });
    console.log(
      `honest: slowest ${Math.max(...waits)} ms; /metrics flood ${JSON.stringify(metrics)}, /health flood ${JSON.stringify(health)}; ` +
        `/health warnings ${healthWarnings.length}${healthWarnings.length > 0 ? `, the first: ${healthWarnings[0]}` : ''}`,
    );
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // What is left is CPU: Node dispatching 4,000 requests (463-1,043 ms here, two cores
    // shared). A bound on the wall clock, so with room: 5,217 ms once in a fresh-ci with four
    // test files at a time on two cores (session 36). What separates before from after at
    // this size is the flood's 503s above (before: an honest query waited 2,352 ms); the
    // starved client of the larger attack waited 390 s.
    expect(Math.max(...waits)).toBeLessThan(10_000);
    expect([metrics.statuses, health.statuses]).toEqual([{ 200: FLOOD }, { 200: FLOOD }]);
  }, 180_000);
});
