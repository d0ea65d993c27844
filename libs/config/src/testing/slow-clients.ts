import { connect, type Socket } from 'node:net';

/**
 * Test helpers for the per-address connection caps (limitConnectionsPerAddress): clients
 * that open connections from one loopback address and send headers that never end, and a
 * well-behaved client from another address; a raw client that writes HTTP by hand. For
 * specs and end-to-end suites only.
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

/** What a server sent back over one raw connection. */
export interface RawExchange {
  /** Everything the server sent, as Latin-1 (byte for byte). */
  text: string;
  /** Milliseconds from the first byte written until the server closed; undefined: still open. */
  closedAfterMs?: number;
}

export interface RawExchangeOptions {
  /** Local address to connect from (default OTHER_ADDRESS). */
  from?: string;
  /** How long to wait for the server to close before giving up (default 5 s). */
  waitMs?: number;
  /** Written every `everyMs` after the first bytes, until the server closes (a trickle). */
  drip?: string;
  everyMs?: number;
  /** Every socket opened is pushed here, for the caller's clean-up. */
  opened?: Socket[];
}

/**
 * Writes `bytes` to `port` by hand (then `drip`, if given, every `everyMs`) and collects what
 * the server sends until it closes the connection or `waitMs` pass (the socket is then
 * destroyed and `closedAfterMs` left undefined).
 */
export function rawExchange(
  port: number,
  bytes: string,
  options: RawExchangeOptions = {},
): Promise<RawExchange> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: options.from ?? OTHER_ADDRESS });
  socket.on('error', () => undefined); // the server may close it mid-write: what it said counts
  options.opened?.push(socket);
  const started = Date.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.write(bytes, 'latin1');
  const dripping =
    options.drip === undefined
      ? undefined
      : setInterval(() => {
          if (socket.writable) socket.write(options.drip ?? '', 'latin1');
        }, options.everyMs ?? 1_000);
  return new Promise<RawExchange>((resolveExchange) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolveExchange({ text });
    }, options.waitMs ?? 5_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolveExchange({ text, closedAfterMs: Date.now() - started });
    });
  }).finally(() => clearInterval(dripping));
}

/** The first answer of a raw exchange: status, content type and the JSON error it holds. */
export interface HttpRefusal {
  status: number;
  contentType?: string;
  /** `errors[0].extensions.code` of a JSON body. */
  code?: string;
  /** `errors[0].message` of a JSON body. */
  message?: string;
  /** Status lines in everything the server sent (a smuggled request answered too: 2). */
  answers: number;
}

export function refusalOf(text: string): HttpRefusal {
  const headEnd = text.indexOf('\r\n\r\n');
  const headers = headEnd < 0 ? text : text.slice(0, headEnd);
  const body = headEnd < 0 ? '' : text.slice(headEnd + 4);
  let error: { message?: string; extensions?: { code?: string } } | undefined;
  try {
    error = (JSON.parse(body) as { errors?: (typeof error)[] }).errors?.[0];
  } catch {
    // no JSON body: the status line says all there is
  }
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
    contentType: /^content-type: *([^\r;]+)/im.exec(headers)?.[1],
    code: error?.extensions?.code,
    message: error?.message,
    answers: text.split(/^HTTP\/1\.1 \d{3}/m).length - 1,
  };
}

/** What a server answered to requests pipelined on one connection. */
export interface PipelinedAnswers {
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** Milliseconds until the last answer arrived (or until `waitMs`, when some never did). */
  tookMs: number;
}

/**
 * Writes `request` `count` times at once on one keep-alive connection from `from` (HTTP/1.1
 * pipelining) and counts the answers' status lines until all `count` arrived or `waitMs` pass.
 */
export function pipelined(
  port: number,
  request: string,
  count: number,
  options: { from?: string; waitMs?: number; opened?: Socket[] } = {},
): Promise<PipelinedAnswers> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: options.from ?? SLOW_ADDRESS });
  socket.on('error', () => undefined);
  options.opened?.push(socket);
  const started = Date.now();
  const statuses: Record<string, number> = {};
  let answered = 0;
  let tail = '';
  return new Promise<PipelinedAnswers>((resolveAnswers) => {
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolveAnswers({ statuses, tookMs: Date.now() - started });
    };
    const timer = setTimeout(done, options.waitMs ?? 60_000);
    socket.on('data', (chunk: Buffer) => {
      // A status line may be cut between two chunks: keep the end of the last one.
      const text = tail + chunk.toString('latin1');
      let counted = 0;
      for (const match of text.matchAll(/HTTP\/1\.1 (\d{3}) /g)) {
        statuses[match[1]] = (statuses[match[1]] ?? 0) + 1;
        answered += 1;
        counted = match.index + match[0].length;
      }
      tail = text.slice(Math.max(counted, text.length - 12));
      if (answered >= count) done();
    });
    socket.once('close', done);
    socket.write(request.repeat(count));
  });
}

/**
 * The refusals every one of our HTTP servers owes a client writing HTTP by hand (guardHttpServer):
 * a 100 KB header and a request line that is not HTTP answered with a JSON body that says what
 * is wrong and repeats nothing of the request, and a client trickling its headers a byte a
 * second let go with 408 within 15 s. Declares those tests in the caller's describe, against
 * the server at `port()`.
 */
export function itRefusesHandWrittenHttp(port: () => number): void {
  it.each([
    [
      'a 100 KB header',
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`,
      431,
    ],
    ['a request line that is not HTTP', 'MRN-4711 \r\n\r\n', 400],
  ])('should refuse %s with a JSON body saying what is wrong', async (_name, request, status) => {
    const answer = await rawExchange(port(), request);
    expect(refusalOf(answer.text)).toMatchObject({ status, contentType: 'application/json' });
    expect(refusalOf(answer.text).message).toMatch(/\w+ \w+/);
    expect(answer.text).not.toContain('MRN-4711');
    expect(answer.closedAfterMs).toBeDefined();
  });

  it('should answer 408 and close within 15 s a client trickling its headers a byte a second', async () => {
    const answer = await rawExchange(port(), 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ', {
      drip: 'a',
      everyMs: 1_000,
      waitMs: 20_000,
    });
    expect(answer.closedAfterMs).toBeLessThan(15_000);
    expect(refusalOf(answer.text)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
  }, 30_000);
}

/** How many clients from one address try a port whose cap per address is tested. */
const CAP_SENDERS = 40;

/**
 * The per-address cap of a /health and /metrics port (guardHealthServer): of CAP_SENDERS
 * clients from one address sending headers that never end, some are closed as they open
 * but not all (the address keeps its share), another address is still answered, and
 * `refusedMetric` on the port's metrics (`metricsText()`) counts those closed. Declares the
 * test in the caller's describe, against the server at `port()`.
 */
export function itCapsConnectionsPerAddress(
  port: () => number,
  metricsText: () => Promise<string>,
  refusedMetric: string,
): void {
  it('should close the connections past its cap of one address and keep answering another', async () => {
    const sockets: Socket[] = [];
    try {
      const slow = await slowHeaderSenders(port(), CAP_SENDERS, sockets);
      const closed = (await Promise.all(slow.map((s) => closedByServer(s)))).filter(Boolean);
      expect(closed.length).toBeGreaterThan(0);
      expect(closed.length).toBeLessThan(CAP_SENDERS); // the address keeps its share
      const answer = await healthAnswer(port());
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(await metricsText()).toMatch(new RegExp(`^${refusedMetric} ${closed.length}$`, 'm'));
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
}
