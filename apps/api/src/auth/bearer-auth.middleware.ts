import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { AuthenticationError, verifyBearerToken, type TokenPolicy } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import type { NextFunction, Request, Response } from 'express';
import { SETTINGS } from '../api-tokens';
import { attachViewer } from './request-viewer';
import { tokenPolicyOf } from './token-policy';
import { keepPrivate } from './private-response';

/**
 * Verifies the bearer token before GraphQL runs: no token, a bad signature, an expired,
 * too long-lived or malformed token, another issuer or audience, or one without a known
 * role is a plain HTTP 401 (RFC 6750), never a 200 with GraphQL errors. No page is served
 * without a token (no GraphiQL: it would load third-party scripts).
 */
@Injectable()
export class BearerAuthMiddleware implements NestMiddleware {
  private readonly policy: TokenPolicy;

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.policy = tokenPolicyOf(settings);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    try {
      attachViewer(req, verifyBearerToken(req.headers.authorization, this.policy));
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      res
        .status(401)
        .set('WWW-Authenticate', `Bearer realm="scantrail", error="invalid_token"`)
        .json({ errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    keepPrivate(res);
    next();
  }
}
