import type { NestExpressApplication } from '@nestjs/platform-express';
import { TokenVerifier } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { GATED_ROUTES, requestGate } from '../auth/request-gate';
import { RATE_LIMITER } from '../auth/token-rate-limit.middleware';
import { ApiMetrics } from '../metrics/metrics.registry';

/**
 * The one Content-Security-Policy of every response. Only the dashboard serves HTML: it
 * loads its own files and talks to this origin only; the token lives in sessionStorage and
 * goes in the Authorization header, so nothing needs credentials, frames or other hosts.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
};

interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

// What a refused body answers: the status body-parser chose, and a message that names the
// limit or the problem but never repeats the body.
const BODY_ERRORS: Readonly<Record<string, { code: string; message: (limit: number) => string }>> =
  {
    'entity.too.large': {
      code: 'PAYLOAD_TOO_LARGE',
      message: (limit) => `request body exceeds the ${limit} bytes allowed (API_BODY_LIMIT_BYTES)`,
    },
    'entity.parse.failed': {
      code: 'BAD_REQUEST',
      message: () => 'request body is not valid JSON',
    },
    'encoding.unsupported': {
      code: 'BAD_REQUEST',
      message: () => 'request body encoding is not supported (send UTF-8)',
    },
    'charset.unsupported': {
      code: 'BAD_REQUEST',
      message: () => 'request body charset is not supported (send UTF-8)',
    },
  };

function refuseTooLarge(res: Response, limit: number): void {
  // The rest of the body is not read: the connection closes after the answer.
  res
    .status(413)
    .set('Connection', 'close')
    .json({
      errors: [
        {
          message: BODY_ERRORS['entity.too.large'].message(limit),
          extensions: { code: BODY_ERRORS['entity.too.large'].code },
        },
      ],
    });
}

/**
 * Refuses a body over the limit as soon as that is known, and closes the connection instead
 * of reading the rest: body-parser answers 413 only after reading the whole body ("read off
 * entire request"), so a declared Content-Length of 1 GB got no answer until the request
 * timed out, and an endless chunked body had the API read 15,915 MiB in 10 s with no answer.
 * A declared length is compared at once; a chunked body is counted as it arrives (a listener
 * beside body-parser's, added in the same tick, so both see every chunk).
 */
function refuseBodiesOverLimit(limit: number): RequestHandler {
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined) {
      if (Number(declared) > limit) {
        refuseTooLarge(res, limit);
        return;
      }
    } else if (req.headers['transfer-encoding'] !== undefined) {
      let read = 0;
      const count = (chunk: Buffer): void => {
        read += chunk.length;
        if (read <= limit) return;
        req.off('data', count);
        if (res.headersSent) req.socket.destroy();
        else refuseTooLarge(res, limit);
      };
      req.on('data', count);
    }
    next();
  };
}

/**
 * Security headers on every route (helmet: nosniff, X-Frame-Options DENY, CSP with
 * frame-ancestors 'none', no Referer, ...); then, on the routes behind a token, the request
 * gate (token, rate, refusal and in-flight limits) before any body is read, so a hostile
 * client's refused requests cost the event loop almost nothing; then the JSON body parser
 * with the configured limit (a body over it refused before it is read, refuseBodiesOverLimit),
 * whose refusals (413 too large, 400 not JSON) are answered here instead of reaching the
 * generic 500.
 */
export function hardenHttp(app: NestExpressApplication, settings: Settings): void {
  app.disable('x-powered-by');
  // Express hashes every answer into an ETag (SHA-1 of the body: 1.5-1.8% of the API's CPU
  // for a 24 KB findings page). Answers are per token and `private, no-store`; nothing here
  // revalidates them, and the immutable tiles need no revalidation either.
  app.set('etag', false);
  app.use(
    helmet({
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  const tokens = app.get(TokenVerifier);
  const limits = app.get<symbol, RequestHandler>(RATE_LIMITER);
  const duration = app.get(ApiMetrics).graphqlDuration;
  for (const { path, style } of GATED_ROUTES) {
    app.use(path, requestGate(tokens, style, limits, path === '/graphql' ? duration : undefined));
  }
  const limit = settings.apiLimits.bodyLimitBytes;
  app.use(refuseBodiesOverLimit(limit));
  app.useBodyParser('json', { limit });
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!isBodyParserError(error)) {
      next(error);
      return;
    }
    // Already refused by refuseBodiesOverLimit: body-parser saw the same chunk pass the limit.
    if (res.headersSent) return;
    const known = BODY_ERRORS[error.type];
    const status = error.status >= 400 && error.status < 500 ? error.status : 400;
    res.status(status).json({
      errors: [
        {
          message: known ? known.message(limit) : 'request body was refused',
          extensions: { code: known?.code ?? 'BAD_REQUEST' },
        },
      ],
    });
  });
}
