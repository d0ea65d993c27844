import { AuthenticationError, type TokenVerifier } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Histogram } from 'prom-client';
import { keepPrivate } from './private-response';
import { attachViewer, hasViewer, viewerOf } from './request-viewer';

/**
 * How a route behind a token words its refusals: GraphQL-shaped errors (/graphql, /tlog),
 * or Nest's plain HTTP error body (/reports, whose clients are browsers and scripts).
 */
export type RefusalStyle = 'graphql' | 'http';

/** The routes behind a bearer token, all gated here before their body is read. */
export const GATED_ROUTES: readonly { path: string; style: RefusalStyle }[] = [
  { path: '/graphql', style: 'graphql' },
  { path: '/tlog', style: 'graphql' },
  { path: '/reports', style: 'http' },
];

/** Answers 401 (RFC 6750) in the route's style. */
export function refuseUnauthenticated(
  res: Response,
  style: RefusalStyle,
  error: AuthenticationError,
): void {
  res.status(401).set('WWW-Authenticate', `Bearer realm="scantrail", error="invalid_token"`);
  if (style === 'graphql') {
    res.json({ errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED' } }] });
  } else {
    res.json({ statusCode: 401, error: 'Unauthorized', message: error.message });
  }
}

/**
 * Answers 400 (RFC 6750 3.1 `invalid_request`) to a request with more than one
 * Authorization header: Node keeps the first and drops the others, a proxy may keep the
 * last, so which token counts would be a guess. The tokens are not read.
 */
function refuseSeveralAuthorizations(res: Response, style: RefusalStyle, count: number): void {
  const message = `send one Authorization header: this request has ${count}`;
  res
    .status(400)
    .set('WWW-Authenticate', `Bearer realm="scantrail", error="invalid_request"`)
    .set('Connection', 'close');
  if (style === 'graphql') {
    res.json({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
  } else {
    res.json({ statusCode: 400, error: 'Bad Request', message });
  }
}

/**
 * Verifies the bearer token and attaches its viewer; on failure answers 401 (400 for
 * several Authorization headers) and returns false. A request already verified (by the
 * gate) passes as it is.
 */
export function authenticate(
  req: Request,
  res: Response,
  tokens: TokenVerifier,
  style: RefusalStyle,
): boolean {
  if (hasViewer(req)) return true;
  const authorizations = req.headersDistinct.authorization?.length ?? 0;
  if (authorizations > 1) {
    refuseSeveralAuthorizations(res, style, authorizations);
    return false;
  }
  try {
    attachViewer(req, tokens.verifyBearer(req.headers.authorization));
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    // The body was not read: close rather than drain it for the next request.
    res.set('Connection', 'close');
    refuseUnauthenticated(res, style, error);
    return false;
  }
  keepPrivate(res);
  return true;
}

function tooMany(res: Response, message: string): void {
  // The body is left unread: the connection closes instead of draining it.
  res
    .status(429)
    .set('Connection', 'close')
    .json({ errors: [{ message, extensions: { code: 'RATE_LIMITED' } }] });
}

/** How long a token past its budget waits for its 429: it costs a timer, not CPU. */
const SLOW_REFUSAL_MS = 1_000;
/** Past this many waiting refusals, the next ones are answered at once (bounded sockets). */
const MAX_SLOW_REFUSALS = 256;
let slowRefusals = 0;

/**
 * A 429 for a token that already spent its budget, sent after a second: a client that
 * ignores Retry-After and sends again at once (the alias attack from eight connections)
 * then makes a few requests a second instead of hundreds, and each costs the API a header
 * parse and a timer. The request body is never read.
 */
function tooManyLater(res: Response, message: string): void {
  if (slowRefusals >= MAX_SLOW_REFUSALS) {
    tooMany(res, message);
    return;
  }
  slowRefusals += 1;
  const timer = setTimeout(() => {
    if (!res.destroyed) tooMany(res, message);
  }, SLOW_REFUSAL_MS);
  res.once('close', () => {
    clearTimeout(timer);
    slowRefusals -= 1;
  });
}

/** Answers that refuse a request for what it holds: what API_REFUSALS_PER_MINUTE counts. */
const REFUSED_STATUSES: ReadonlySet<number> = new Set([400, 413]);

const subjectKey = (req: Request): string => `sub:${viewerOf(req).subject}`;

/** One token subject's requests: how many are worked on, and those waiting their turn. */
interface Turns {
  running: number;
  waiting: (() => void)[];
}

// Requests whose token limits were applied (by the gate, before the body was read), so a
// module's own TokenRateLimitMiddleware does not count them twice.
const limited = new WeakSet<Request>();

/**
 * The limits of one token subject, in the order a hostile client meets them, all before
 * the request body is read or parsed:
 * - API_RATE_LIMIT_PER_MINUTE requests per minute (429 with Retry-After);
 * - API_REFUSALS_PER_MINUTE refused requests (400, 413) per minute: a client that keeps sending
 *   documents the API refuses (the alias attack) is then refused up front for the rest
 *   of the window, so the bodies it sends are no longer read, parsed or scanned;
 * - API_IN_FLIGHT_PER_TOKEN requests worked on at once; up to API_QUEUED_PER_TOKEN more wait
 *   their turn (a script that sends a burst of queries at once is answered, in turn, and
 *   holds no more of the database pool than its share), past them 429 at once.
 * One handler with one store for the whole API; it needs the verified viewer.
 */
export function tokenLimits(settings: Settings): RequestHandler {
  const { requestsPerMinute, refusalsPerMinute, inFlightPerToken, queuedPerToken } =
    settings.apiLimits;
  const perMinute = rateLimit({
    windowMs: 60_000,
    limit: requestsPerMinute,
    // No IP: many users share one; the subject is verified before this runs.
    keyGenerator: subjectKey,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) =>
      tooManyLater(
        res,
        `too many requests for this token: at most ${requestsPerMinute} per minute (API_RATE_LIMIT_PER_MINUTE); retry after the Retry-After seconds`,
      ),
  });
  const refusals = rateLimit({
    windowMs: 60_000,
    limit: refusalsPerMinute,
    keyGenerator: subjectKey,
    // Only requests refused for what they hold count (400, 413): not a 404 of a tile a log
    // client polls for, nor a 429 of these limits.
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => !REFUSED_STATUSES.has(res.statusCode),
    standardHeaders: false,
    legacyHeaders: false,
    handler: (_req, res) => {
      res.set('Retry-After', '60');
      tooManyLater(
        res,
        `too many refused requests for this token: at most ${refusalsPerMinute} per minute (API_REFUSALS_PER_MINUTE); fix the request, then retry after the Retry-After seconds`,
      );
    },
  });
  const turns = new Map<string, Turns>();
  const release = (key: string, turn: Turns): void => {
    while (turn.running < inFlightPerToken && turn.waiting.length > 0) turn.waiting.shift()?.();
    if (turn.running === 0 && turn.waiting.length === 0) turns.delete(key);
  };
  const concurrency: RequestHandler = (req, res, next) => {
    const key = subjectKey(req);
    let turn = turns.get(key);
    if (turn === undefined) {
      turn = { running: 0, waiting: [] };
      turns.set(key, turn);
    }
    const mine = turn;
    const start = (): void => {
      mine.running += 1;
      res.once('close', () => {
        mine.running -= 1;
        release(key, mine);
      });
      next();
    };
    if (mine.running < inFlightPerToken) {
      start();
      return;
    }
    if (mine.waiting.length >= queuedPerToken) {
      tooMany(
        res,
        `too many requests at once for this token: at most ${inFlightPerToken} worked on (API_IN_FLIGHT_PER_TOKEN) and ${queuedPerToken} waiting (API_QUEUED_PER_TOKEN); wait for an answer before sending more`,
      );
      return;
    }
    // Its turn comes when one of the token's running requests ends; a client that gives
    // up meanwhile (its connection closed) leaves the line.
    const gone = (): void => {
      const at = mine.waiting.indexOf(go);
      if (at >= 0) mine.waiting.splice(at, 1);
      release(key, mine);
    };
    const go = (): void => {
      res.off('close', gone);
      start();
    };
    res.once('close', gone);
    mine.waiting.push(go);
  };
  const chain: RequestHandler[] = [perMinute, refusals, concurrency];
  return (req, res, next) => {
    if (limited.has(req)) {
      next();
      return;
    }
    limited.add(req);
    const step = (index: number): void => {
      if (index === chain.length) {
        next();
        return;
      }
      void chain[index](req, res, (error?: unknown) => {
        if (error !== undefined) next(error);
        else step(index + 1);
      });
    };
    step(0);
  };
}

/**
 * The gate in front of a route behind a token, mounted before the body parser: times the
 * request (refusals included) when given a histogram, verifies the token and applies the
 * token's limits, so that what is refused costs a header parse and an HMAC, never a body
 * read.
 */
export function requestGate(
  tokens: TokenVerifier,
  style: RefusalStyle,
  limits: RequestHandler,
  duration?: Histogram<'status'>,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (duration !== undefined) {
      const stop = duration.startTimer();
      res.once('finish', () => stop({ status: String(res.statusCode) }));
    }
    if (authenticate(req, res, tokens, style)) limits(req, res, next);
  };
}
