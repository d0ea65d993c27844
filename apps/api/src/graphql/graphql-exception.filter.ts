import {
  Catch,
  HttpException,
  Inject,
  NotFoundException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { GqlContextType } from '@nestjs/graphql';
import type { Request, Response } from 'express';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { LOGGER } from '../api-tokens';
import { toGraphQLError } from './graphql-errors';

/**
 * Every exception of a resolver becomes a coded GraphQLError (see toGraphQLError); on the
 * plain HTTP routes (/health, /metrics) an HttpException keeps its status and body and
 * anything else is a bare 500.
 */
@Catch()
export class GraphqlExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): GraphQLError | undefined {
    if (host.getType<GqlContextType>() === 'graphql') return toGraphQLError(exception, this.logger);
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    if (exception instanceof NotFoundException) {
      // Nest's answer for an unknown route quotes the URL with its query string, which
      // may hold a patient identifier: name the path only.
      const req = http.getRequest<Request>();
      const body = exception.getResponse();
      const routeMissing =
        typeof body === 'object' &&
        (body as { message?: unknown }).message === `Cannot ${req.method} ${req.originalUrl}`;
      res
        .status(404)
        .json(routeMissing ? { ...body, message: `Cannot ${req.method} ${req.path}` } : body);
      return undefined;
    }
    if (exception instanceof HttpException) {
      res.status(exception.getStatus()).json(exception.getResponse());
      return undefined;
    }
    this.logger.error({ err: exception }, 'unexpected error on an HTTP route');
    res.status(500).json({ statusCode: 500, message: 'internal error' });
    return undefined;
  }
}
