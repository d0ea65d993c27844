import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { HttpException } from '@nestjs/common';
import { AccessDeniedError, AuthenticationError } from '@scantrail/access';
import { InvalidArgumentError, NotFoundError } from '@scantrail/lineage';
import type { Logger } from 'pino';

export type ErrorCode =
  'BAD_USER_INPUT' | 'FORBIDDEN' | 'NOT_FOUND' | 'UNAUTHENTICATED' | 'INTERNAL_SERVER_ERROR';

const INTERNAL_MESSAGE = 'internal error (logged on the server)';

const HTTP_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
};

/** The code a thrown error stands for, or undefined when it is not one of ours. */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  if (error instanceof InvalidArgumentError) return 'BAD_USER_INPUT';
  if (error instanceof AccessDeniedError) return 'FORBIDDEN';
  if (error instanceof NotFoundError) return 'NOT_FOUND';
  if (error instanceof AuthenticationError) return 'UNAUTHENTICATED';
  if (error instanceof HttpException) return HTTP_CODES[error.getStatus()];
  return undefined;
}

/**
 * THE mapping from what services throw to what clients see: coded errors keep their
 * message (written for the caller), GraphQL errors pass as they are, anything else is
 * logged and replaced, so SQL, stack traces and internals never reach a client.
 */
export function toGraphQLError(error: unknown, logger: Logger): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const code = errorCodeOf(error);
  if (code !== undefined && error instanceof Error) {
    return new GraphQLError(error.message, { extensions: { code } });
  }
  logger.error({ err: error }, 'unexpected error while answering a GraphQL request');
  return new GraphQLError(INTERNAL_MESSAGE, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/**
 * Apollo's last word on every error, including those raised outside resolvers (context
 * creation, plugins): the same mapping, and never a stack trace.
 */
export function formatGraphQLError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const code = formatted.extensions?.code;
    if (code !== 'INTERNAL_SERVER_ERROR' && code !== undefined) {
      return { ...formatted, extensions: { code } };
    }
    if (original instanceof GraphQLError && original.extensions.code === undefined) {
      logger.error({ err: original }, 'GraphQL execution error without a code');
    }
    const mapped = original instanceof GraphQLError ? original : toGraphQLError(original, logger);
    const mappedCode = mapped.extensions.code ?? 'INTERNAL_SERVER_ERROR';
    return {
      message: mappedCode === 'INTERNAL_SERVER_ERROR' ? INTERNAL_MESSAGE : mapped.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: mappedCode },
    };
  };
}
