import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { clientErrorAnswer, guardHealthServer, guardHttpServer } from './http-server-edges';
import { rawExchange, refusalOf } from './testing/slow-clients';

const parserError = (code: string, reason?: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`Parse Error: ${reason}`), { code, reason });

describe('clientErrorAnswer', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', undefined, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE', /16384 bytes/],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', undefined, 413, 'PAYLOAD_TOO_LARGE', /chunk extensions/],
    ['ERR_HTTP_REQUEST_TIMEOUT', undefined, 408, 'REQUEST_TIMEOUT', /within 10 s.*within 30 s/],
    [
      'HPE_UNEXPECTED_CONTENT_LENGTH',
      'Duplicate Content-Length',
      400,
      'BAD_REQUEST',
      /^malformed HTTP request: Duplicate Content-Length$/,
    ],
  ])('should answer %s with %s and a JSON body naming it', (code, reason, status, name, says) => {
    const answer = clientErrorAnswer(parserError(code, reason));
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
    expect(refusalOf(answer)).toMatchObject({
      status,
      code: name,
      contentType: 'application/json',
    });
    expect(refusalOf(answer).message).toMatch(says);
    expect(answer).toContain(`Content-Length: ${Buffer.byteLength(body)}\r\n`);
    expect(answer).toContain('Connection: close\r\n');
  });

  it('should not repeat a reason that is not one of the parser constant phrases', () => {
    const answer = clientErrorAnswer(parserError('HPE_INVALID_HEADER_TOKEN', 'bad "MRN-4711"'));
    expect(refusalOf(answer).message).toBe('malformed HTTP request');
    expect(answer).not.toContain('MRN-4711');
  });
});

describe('guardHttpServer', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_req, res) => setTimeout(() => res.end('first'), 50));
    guardHttpServer(server, { answerBufferBytes: 4 * 1024 * 1024 });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolveClose) => server.close(resolveClose));
  });

  it("should set Node's timeouts to ours", () => {
    expect([server.headersTimeout, server.requestTimeout]).toEqual([10_000, 30_000]);
  });

  it('should answer a malformed request pipelined behind a good one with one readable answer', async () => {
    const answer = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\nMRN-4711 \r\n\r\n');
    expect(refusalOf(answer.text)).toMatchObject({ status: 400, answers: 1 });
    expect(answer.text).not.toContain('MRN-4711');
    expect(answer.closedAfterMs).toBeDefined();
  });
});

describe('guardHealthServer and request bodies', () => {
  let server: Server;
  let port: number;
  let answered = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      answered += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
    const counter = { inc: () => undefined };
    guardHealthServer(server, { slowReadersReleased: counter, connectionsRefused: counter });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolveClose) => server.close(resolveClose));
  });

  /** Writes `head`, then a body as fast as the server takes it, for at most `ms`. */
  const streamed = (head: string, chunked: boolean, ms = 3_000) =>
    new Promise<{ text: string; takenMiB: number; closedAfterMs?: number }>((resolveRun) => {
      const socket = connect(port, '127.0.0.1');
      const started = Date.now();
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const frame = chunked
        ? Buffer.concat([Buffer.from('10000\r\n'), chunk, Buffer.from('\r\n')])
        : chunk;
      let text = '';
      let taken = 0;
      let closedAfterMs: number | undefined;
      const done = () => resolveRun({ text, takenMiB: taken / 1_048_576, closedAfterMs });
      socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        closedAfterMs = Date.now() - started;
        done();
      });
      socket.write(head);
      const pump = (): void => {
        while (closedAfterMs === undefined && Date.now() - started < ms) {
          taken += frame.length;
          if (!socket.write(frame)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
      setTimeout(() => {
        socket.destroy();
        done();
      }, ms).unref();
    });

  // Nothing on these ports takes a body: a GET /health declaring a terabyte was answered,
  // then read to the end for keep-alive, 4,868 MiB in the 30 s before the request timeout.
  it.each([
    ['a Content-Length of 1 TB', 'Content-Length: 1000000000000', false],
    ['a chunked body', 'Transfer-Encoding: chunked', true],
  ])(
    'should answer a request declaring %s with 413 at once and close, reading none of it',
    async (_name, header, chunked) => {
      const before = answered;
      const run = await streamed(`GET /health HTTP/1.1\r\nHost: x\r\n${header}\r\n\r\n`, chunked);
      expect(run.text).toMatch(/^HTTP\/1\.1 413 /);
      expect(run.text).toContain(
        '{"errors":[{"message":"the /health and /metrics ports take no request body","extensions":{"code":"PAYLOAD_TOO_LARGE"}}]}',
      );
      expect(run.closedAfterMs).toBeLessThan(2_000);
      expect(run.takenMiB).toBeLessThan(64);
      expect(answered).toBe(before);
    },
  );

  it('should answer a request with Content-Length 0 as any other', async () => {
    const answer = await new Promise<string>((resolveAnswer) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (data: Buffer) => (text += data.toString()));
      socket.on('close', () => resolveAnswer(text));
      socket.write(
        'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('{"status":"ok"}');
  });
});
