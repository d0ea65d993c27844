import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientErrorAnswer, guardHttpServer } from './http-server-edges';
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
