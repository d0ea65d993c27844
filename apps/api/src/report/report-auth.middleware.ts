import { Injectable } from '@nestjs/common';
import { BearerAuthMiddleware } from '../auth/bearer-auth.middleware';
import type { RefusalStyle } from '../auth/request-gate';

/**
 * The bearer token check of the report downloads: the same tokens and rules as /graphql
 * (RFC 6750), answered with a plain JSON 401, and no GraphiQL exception: a browser that
 * opens a report link without a token gets a 401, not an empty page. The request gate
 * already checked it before the body was read; a verified request passes as it is.
 */
@Injectable()
export class ReportAuthMiddleware extends BearerAuthMiddleware {
  protected override readonly refusal: RefusalStyle = 'http';
}
