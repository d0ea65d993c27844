import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { AuthenticationError, verifyBearerToken, type TokenPolicy } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import type { NextFunction, Request, Response } from 'express';
import { SETTINGS } from '../api-tokens';
import { attachViewer } from '../auth/request-viewer';
import { tokenPolicyOf } from '../auth/token-policy';
import { keepPrivate } from '../auth/private-response';

/**
 * The bearer token check of the report downloads: the same tokens and rules as /graphql
 * (RFC 6750), answered with a plain JSON 401, and no GraphiQL exception: a browser that
 * opens a report link without a token gets a 401, not an empty page.
 */
@Injectable()
export class ReportAuthMiddleware implements NestMiddleware {
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
        .json({ statusCode: 401, error: 'Unauthorized', message: error.message });
      return;
    }
    keepPrivate(res);
    next();
  }
}
