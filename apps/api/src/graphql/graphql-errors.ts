import { type GraphQLFormattedError, GraphQLError } from 'graphql';
import { HttpException } from '@nestjs/common';
import { AccessDeniedError, AuthenticationError } from '@scantrail/access';
import { InvalidArgumentError, NotFoundError } from '@scantrail/queries';
import type { Logger } from 'pino';

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'QUERY_TIMEOUT'
  | 'INTERNAL_SERVER_ERROR';

const INTERNAL_MESSAGE = 'internal error (logged on the server)';

const HTTP_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
};

// PostgreSQL's query_canceled: what statement_timeout (API_STATEMENT_TIMEOUT_MS) raises.
const QUERY_CANCELED = '57014';
const TIMEOUT_MESSAGE =
  'the database took longer than the API allows (API_STATEMENT_TIMEOUT_MS); ask for less, or retry later';

function isStatementTimeout(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  return code === QUERY_CANCELED || driverError?.code === QUERY_CANCELED;
}

/**
 * graphql-js repeats a refused value in its message (`Variable "$p" got invalid value
 * {...}`, `String cannot represent a non string value: 123`); the value may be a patient
 * identifier or a secret, so only the variable and the expected type are kept.
 */
export function withoutEchoedValue(message: string): string | undefined {
  const variable = /^Variable "(\$[^"]+)" got invalid value /.exec(message);
  if (variable) {
    return `Variable "${variable[1]}" got a value that does not match its declared type (the value is not repeated)`;
  }
  const expected = /^(Expected value of type "[^"]+"), found /.exec(message);
  if (expected) return `${expected[1]}, found another (the value is not repeated)`;
  const scalar = /^(\w+|Enum "\w+") cannot represent /.exec(message);
  if (scalar) return `${scalar[1]} cannot represent the value given (the value is not repeated)`;
  const enumValue = /^Value "[^"]*" does not exist in ("\w+") enum/.exec(message);
  if (enumValue)
    return `A value given does not exist in ${enumValue[1]} enum (the value is not repeated)`;
  return undefined;
}

const TOKEN_ECHO =
  /^Syntax Error: (.*?)\b(found|Unexpected) (Name|Int|Float|String|BlockString) "[\s\S]*"\.$/;
const TOKEN_WORDS: Readonly<Record<string, string>> = {
  Name: 'name',
  Int: 'number',
  Float: 'number',
  String: 'string',
  BlockString: 'block string',
};

/**
 * graphql-js and Apollo also repeat the request's own text: the token a syntax error stopped
 * at (`Expected ":", found String "MRN-004211"`, a patient identifier in a mistyped query)
 * and an operation name that names no operation (any length). What went wrong is kept, the
 * text is not; the error keeps its code (GRAPHQL_PARSE_FAILED, OPERATION_RESOLUTION_FAILURE).
 */
export function withoutEchoedText(message: string): string | undefined {
  const token = TOKEN_ECHO.exec(message);
  if (token) {
    return `Syntax Error: ${token[1]}${token[2] === 'found' ? 'found a' : 'Unexpected'} ${TOKEN_WORDS[token[3]]} (its text is not repeated).`;
  }
  if (/^Unknown operation named "[\s\S]*"\.$/.test(message)) {
    return 'Unknown operation named in operationName (the name is not repeated).';
  }
  return undefined;
}

/** The HTTP status Apollo attached to an error it raised itself without a code, if any. */
function apolloHttpStatus(error: unknown): number | undefined {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return undefined;
  const http = error.extensions.http as { status?: unknown } | undefined;
  return typeof http?.status === 'number' ? http.status : undefined;
}

/**
 * A value one of our scalars refuses, with a message written for the caller that never
 * repeats the value: it reaches the client as BAD_USER_INPUT whichever phase found it (a
 * variable or a literal), instead of graphql-js's generic, value-echoing wording.
 */
export class ScalarValueError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

/** Our scalar's own words, after the variable's name when the value came as a variable. */
function scalarRefusal(
  formatted: GraphQLFormattedError,
  original: ScalarValueError,
): GraphQLFormattedError {
  const variable = /^Variable "(\$[^"]+)" got invalid value /.exec(formatted.message);
  return {
    message: variable ? `Variable "${variable[1]}": ${original.message}` : original.message,
    locations: formatted.locations,
    extensions: { code: 'BAD_USER_INPUT' },
  };
}

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
  if (isStatementTimeout(error)) {
    logger.warn('a GraphQL request was cancelled by statement_timeout');
    return new GraphQLError(TIMEOUT_MESSAGE, { extensions: { code: 'QUERY_TIMEOUT' } });
  }
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
  const format = formatOne(logger);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError =>
    withMessageCut(format(formatted, error));
}

/** Longest message an error answer carries (graphql-js repeats the names it was sent). */
export const MAX_ERROR_MESSAGE_CHARS = 1_000;

/**
 * A message cut at MAX_ERROR_MESSAGE_CHARS: "Cannot query field ..." repeats a field name as
 * sent, and a document of 256 KiB can send one of 200 KB to have it echoed back.
 */
function withMessageCut(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.message.length <= MAX_ERROR_MESSAGE_CHARS) return formatted;
  return {
    ...formatted,
    message: `${formatted.message.slice(0, MAX_ERROR_MESSAGE_CHARS)}... (cut at ${MAX_ERROR_MESSAGE_CHARS} characters)`,
  };
}

function formatOne(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (original instanceof ScalarValueError) return scalarRefusal(formatted, original);
    const code = formatted.extensions?.code;
    const clean = withoutEchoedValue(formatted.message);
    if (clean !== undefined) {
      // A wrongly typed argument is the caller's mistake, whichever phase found it.
      return {
        message: clean,
        locations: formatted.locations,
        extensions: { code: 'BAD_USER_INPUT' },
      };
    }
    const text = withoutEchoedText(formatted.message);
    if (text !== undefined) {
      return {
        message: text,
        locations: formatted.locations,
        extensions: { code: code ?? 'BAD_REQUEST' },
      };
    }
    // Apollo's own refusals of a request (a persisted query's hash that is not the query's,
    // a version it does not know) carry an HTTP 4xx but no code: the client's mistake, not ours.
    const status = apolloHttpStatus(error);
    if (status !== undefined && status >= 400 && status < 500) {
      return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
    }
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
