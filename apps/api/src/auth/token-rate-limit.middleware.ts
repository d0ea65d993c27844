import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Settings } from '@scantrail/config';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { SETTINGS } from '../api-tokens';
import { viewerOf } from './request-viewer';

export const RATE_LIMITER = Symbol('RATE_LIMITER');

/**
 * One limiter for the whole API (GraphQL, tiles, reports), keyed by the verified token's
 * subject: a token that floods the API is answered 429 with Retry-After, while other
 * subjects keep their own budget. API_RATE_LIMIT_PER_MINUTE requests per minute.
 */
export function tokenRateLimiter(settings: Settings): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: settings.apiLimits.requestsPerMinute,
    // Runs after the bearer check, so the subject is known; no IP: many users share one.
    keyGenerator: (req) => `sub:${viewerOf(req).subject}`,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res, _next, options) => {
      res.status(options.statusCode).json({
        errors: [
          {
            message: `too many requests for this token: at most ${settings.apiLimits.requestsPerMinute} per minute (API_RATE_LIMIT_PER_MINUTE); retry after the Retry-After seconds`,
            extensions: { code: 'RATE_LIMITED' },
          },
        ],
      });
    },
  });
}

/** Applies the API's one token limiter (RATE_LIMITER) to the routes of a module. */
@Injectable()
export class TokenRateLimitMiddleware implements NestMiddleware {
  constructor(@Inject(RATE_LIMITER) private readonly limiter: RequestHandler) {}

  use(req: Request, res: Response, next: NextFunction): void {
    void this.limiter(req, res, next);
  }
}

/** The provider of the shared limiter, for ApiCoreModule. */
export const rateLimiterProvider = {
  provide: RATE_LIMITER,
  inject: [SETTINGS],
  useFactory: (settings: Settings): RequestHandler => tokenRateLimiter(settings),
};
