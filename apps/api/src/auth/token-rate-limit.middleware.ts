import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Settings } from '@scantrail/config';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SETTINGS } from '../api-tokens';
import { tokenLimits } from './request-gate';

export const RATE_LIMITER = Symbol('RATE_LIMITER');

/**
 * The API's one set of token limits (RATE_LIMITER, see tokenLimits) for a module's routes.
 * The request gate applies them before the body is read; a request it already limited
 * passes here without being counted again.
 */
@Injectable()
export class TokenRateLimitMiddleware implements NestMiddleware {
  constructor(@Inject(RATE_LIMITER) private readonly limiter: RequestHandler) {}

  use(req: Request, res: Response, next: NextFunction): void {
    void this.limiter(req, res, next);
  }
}

/** The provider of the shared limits, for ApiCoreModule. */
export const rateLimiterProvider = {
  provide: RATE_LIMITER,
  inject: [SETTINGS],
  useFactory: (settings: Settings): RequestHandler => tokenLimits(settings),
};
