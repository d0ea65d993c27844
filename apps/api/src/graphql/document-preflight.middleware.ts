import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { documentRefusal } from './document-limits';
import { DOCUMENT_LIMITS } from './graphql-options';

/** The GraphQL document of a request (POST body or GET query string), if it has one. */
function documentSource(req: Request): string | undefined {
  const body = req.body as { query?: unknown } | undefined;
  if (typeof body?.query === 'string') return body.query;
  const query = req.query.query;
  return typeof query === 'string' ? query : undefined;
}

/**
 * Refuses a GraphQL document over the token, alias or root-field limits before Apollo
 * parses and validates it: a token scan stops at the first limit, so a hostile document
 * costs well under a millisecond. Apollo's own hooks cannot refuse this early (only
 * `didResolveOperation`, after validation, has a defined answer when it throws).
 */
@Injectable()
export class DocumentPreflightMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    const refused = documentRefusal(documentSource(req) ?? '', DOCUMENT_LIMITS);
    if (refused === undefined) {
      next();
      return;
    }
    res
      .status(400)
      .json({ errors: [{ message: refused, extensions: { code: 'BAD_USER_INPUT' } }] });
  }
}
