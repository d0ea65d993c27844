import {
  maxHeaderSize,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { HEALTH_CONNECTIONS_PER_ADDRESS, limitConnectionsPerAddress } from './connection-limits';
import {
  HEALTH_ANSWER_BUFFER_BYTES,
  letGoOfSlowReaders,
  type SlowReaderLimits,
} from './slow-readers';

/**
 * Most milliseconds a request's headers may take to arrive, from its first byte (or from
 * the connection's opening, for a client that sends nothing). An honest client sends its
 * header block at once; Node's 60 s let a client trickling a byte a second hold its
 * connection 89.6 s.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
/**
 * Most milliseconds a whole request may take to arrive, body included (not the answer: that
 * is the server's time). Bodies are at most a few hundred kilobytes; Node's 300 s let a
 * body trickled a byte a second hold its connection 329.6 s.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node looks for requests past those times (its default, 30 s, adds up to that). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

interface Refusal {
  status: number;
  code: string;
  message: string;
}

// llhttp's reasons are constant phrases ("Duplicate Content-Length"); anything else is not
// repeated, in case a future parser quotes the request.
const PARSER_REASON = /^[A-Za-z0-9 ,.'-]{1,120}$/;

function refusalOf(error: NodeJS.ErrnoException & { reason?: unknown }): Refusal {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
        message: `request headers exceed the ${maxHeaderSize} bytes this server reads (a bearer token is a few hundred bytes)`,
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        message: 'chunk extensions exceed what this server reads',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: 'REQUEST_TIMEOUT',
        message: `the request did not arrive in time: headers within ${HEADERS_TIMEOUT_MS / 1000} s, the whole request within ${REQUEST_TIMEOUT_MS / 1000} s`,
      };
    default: {
      const reason = typeof error.reason === 'string' ? error.reason : '';
      return {
        status: 400,
        code: 'BAD_REQUEST',
        message: PARSER_REASON.test(reason)
          ? `malformed HTTP request: ${reason}`
          : 'malformed HTTP request',
      };
    }
  }
}

/** The whole answer to a request Node's parser refused, as bytes to write to the socket. */
export function clientErrorAnswer(error: NodeJS.ErrnoException): string {
  const refusal = refusalOf(error);
  const body = JSON.stringify({
    errors: [{ message: refusal.message, extensions: { code: refusal.code } }],
  });
  return (
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n' +
    body
  );
}

/**
 * What every HTTP server of ours does at the edge, before any route: lets go of clients that
 * trickle (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, looked at every second) and of clients
 * that do not read their answers (letGoOfSlowReaders, within `limits`), and answers what
 * Node's parser refuses (a 100 KB bearer token: 431; smuggling shapes, request lines that
 * are not HTTP: 400; a timeout: 408) with a JSON body a client can read, in the shape of the
 * API's other errors, naming the limit or the parser's reason and repeating nothing sent;
 * Node's own answers were a bare status line. Call before `listen`, after the request
 * handler is attached.
 */
export function guardHttpServer(server: Server, limits: SlowReaderLimits): void {
  letGoOfSlowReaders(server, limits);
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  // Read by Node when the server starts listening; a constructor option only in its types.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    TIMEOUT_CHECK_INTERVAL_MS;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // As Node's own handler: answer only when nothing of another answer was written yet
    // (a pipelined request's), else the client would read a corrupt stream. `rawPacket`,
    // the bytes received, is never logged nor repeated: it may hold a token.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent: boolean } })._httpMessage;
    if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
      socket.write(clientErrorAnswer(error));
    }
    socket.destroy();
  });
}

const NO_BODY = JSON.stringify({
  errors: [
    {
      message: 'the /health and /metrics ports take no request body',
      extensions: { code: 'PAYLOAD_TOO_LARGE' },
    },
  ],
});

/**
 * Answers 413 to a request that declares a body (a Content-Length above 0, or any
 * Transfer-Encoding) before the port's handler runs, and closes the connection without
 * reading it. Node answers such a GET, then reads the body to its end to keep the
 * connection: a GET /health declaring a terabyte had the ingest read 4,868 MiB in the
 * 30 s before REQUEST_TIMEOUT_MS ended it. Call after the request handler is attached.
 */
function refuseRequestBodies(server: Server): void {
  const handlers = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const length = request.headers['content-length'];
    const declared =
      request.headers['transfer-encoding'] !== undefined ||
      (length !== undefined && Number(length) !== 0);
    if (!declared) {
      for (const handler of handlers) handler.call(server, request, response);
      return;
    }
    response.writeHead(413, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(NO_BODY),
      'cache-control': 'no-store',
      connection: 'close',
    });
    response.end(NO_BODY, () => request.socket.destroy());
  });
}

/**
 * The edge of the ingest's and the bridge's /health and /metrics ports: guardHttpServer
 * within HEALTH_ANSWER_BUFFER_BYTES, HEALTH_CONNECTIONS_PER_ADDRESS connections a client
 * address, each let-go counted on the port's metrics, and no request body
 * (refuseRequestBodies). Call before `listen`, after the request handler is attached.
 */
export function guardHealthServer(
  server: Server,
  counted: {
    slowReadersReleased: SlowReaderLimits['released'];
    connectionsRefused: { inc(): void };
  },
): void {
  guardHttpServer(server, {
    answerBufferBytes: HEALTH_ANSWER_BUFFER_BYTES,
    released: counted.slowReadersReleased,
  });
  limitConnectionsPerAddress(server, HEALTH_CONNECTIONS_PER_ADDRESS, counted.connectionsRefused);
  refuseRequestBodies(server);
}
