import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { AuthenticationError, verifyBearerToken } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import type { NextFunction, Request, Response } from 'express';
import { SETTINGS } from '../api-tokens';
import { attachViewer } from './request-viewer';

/**
 * Verifies the bearer token before GraphQL runs: no token, a bad signature, an expired or
 * malformed token, or one without a known role is a plain HTTP 401 (RFC 6750), never a
 * 200 with GraphQL errors. Outside production, a browser's GET of the GraphiQL page
 * passes (the page sends the token with its queries).
 */
@Injectable()
export class BearerAuthMiddleware implements NestMiddleware {
  private readonly secret: Buffer;
  private readonly production: boolean;

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.secret = settings.authJwtSecret;
    this.production = process.env.NODE_ENV === 'production';
  }

  use(req: Request, res: Response, next: NextFunction): void {
    if (!this.production && isGraphiqlPage(req)) {
      next();
      return;
    }
    try {
      attachViewer(req, verifyBearerToken(req.headers.authorization, this.secret));
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      res
        .status(401)
        .set('WWW-Authenticate', `Bearer realm="scantrail", error="invalid_token"`)
        .json({ errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    next();
  }
}

function isGraphiqlPage(req: Request): boolean {
  return (
    req.method === 'GET' &&
    req.headers.authorization === undefined &&
    Object.keys(req.query).length === 0 &&
    (req.headers.accept ?? '').includes('text/html')
  );
}
