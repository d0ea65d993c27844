import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { TokenVerifier } from '@scantrail/access';
import type { NextFunction, Request, Response } from 'express';
import { authenticate, type RefusalStyle } from './request-gate';

/**
 * Verifies the bearer token before GraphQL runs: no token, a bad signature, an expired,
 * too long-lived or malformed token, another issuer or audience, or one without a known
 * role is a plain HTTP 401 (RFC 6750), never a 200 with GraphQL errors. No page is served
 * without a token (no GraphiQL: it would load third-party scripts). The request gate
 * (transport/http-hardening.ts) already does this before the body is read; this stays as
 * the module's own guarantee and passes a verified request as it is.
 */
@Injectable()
export class BearerAuthMiddleware implements NestMiddleware {
  /** How a refusal is answered (the report routes' middleware answers plain JSON). */
  protected readonly refusal: RefusalStyle = 'graphql';

  constructor(@Inject(TokenVerifier) private readonly tokens: TokenVerifier) {}

  use(req: Request, res: Response, next: NextFunction): void {
    if (authenticate(req, res, this.tokens, this.refusal)) next();
  }
}
