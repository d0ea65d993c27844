import {
  Catch,
  HttpException,
  Inject,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { GqlContextType } from '@nestjs/graphql';
import type { Response } from 'express';
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
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      res.status(exception.getStatus()).json(exception.getResponse());
      return undefined;
    }
    this.logger.error({ err: exception }, 'unexpected error on an HTTP route');
    res.status(500).json({ statusCode: 500, message: 'internal error' });
    return undefined;
  }
}
