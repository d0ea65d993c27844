import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { documentRefusal } from './document-limits';
import { DOCUMENT_LIMITS } from './graphql-options';

/** The GraphQL document of a request (POST body or GET query string), if it has one. */
function documentSource(req: Request): string | undefined {
  const body = req.body as { query?: unknown } | undefined;
  if (typeof body?.query === 'string') return body.query;
  const query = req.query.query;
  return typeof query === 'string' ? query : undefined;
}

/** Accepted documents kept: the dashboard's and scripts' few dozen, with room to spare. */
const KEPT_DOCUMENTS = 500;
/** Characters of kept documents in all (about 2 MB); a longer document alone is not kept. */
const KEPT_DOCUMENT_CHARS = 1 << 20;
const KEPT_DOCUMENT_MAX_CHARS = 64 * 1024;

/**
 * Refuses a GraphQL document over the token, alias or root-field limits before Apollo
 * parses and validates it: a token scan stops at the first limit, so a hostile document
 * costs well under a millisecond. Apollo's own hooks cannot refuse this early (only
 * `didResolveOperation`, after validation, has a defined answer when it throws).
 */
@Injectable()
export class DocumentPreflightMiddleware implements NestMiddleware {
  // Clients send the same few documents (with other variables) again and again: the
  // verdict depends on the document's text alone, so an accepted one is not scanned and
  // parsed again (as Apollo keeps its parsed and validated documents). A refused one is
  // never kept: each try pays the whole scan.
  private readonly accepted = new LRUCache<string, true>({
    max: KEPT_DOCUMENTS,
    maxSize: KEPT_DOCUMENT_CHARS,
    maxEntrySize: KEPT_DOCUMENT_MAX_CHARS,
    sizeCalculation: (_, source) => Math.max(source.length, 1),
  });

  use(req: Request, res: Response, next: NextFunction): void {
    // CONTRACT 3: `POST /graphql`. A GET carries its document and variables in the URL (a
    // patient identifier of accountingOfDisclosures in proxies' logs and browser history).
    if (req.method !== 'POST' && req.method !== 'OPTIONS') {
      res
        .status(405)
        .set('allow', 'POST')
        .json({
          errors: [
            {
              message: `${req.method} is not accepted: send GraphQL requests as POST with a JSON body (identifiers stay out of URLs)`,
              extensions: { code: 'METHOD_NOT_ALLOWED' },
            },
          ],
        });
      return;
    }
    const source = documentSource(req) ?? '';
    if (this.accepted.get(source) === true) {
      next();
      return;
    }
    const refused = documentRefusal(source, DOCUMENT_LIMITS);
    if (refused === undefined) {
      this.accepted.set(source, true);
      next();
      return;
    }
    res
      .status(400)
      .json({ errors: [{ message: refused, extensions: { code: 'BAD_USER_INPUT' } }] });
  }
}
