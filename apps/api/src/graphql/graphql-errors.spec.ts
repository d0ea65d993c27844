import { ForbiddenException } from '@nestjs/common';
import { AccessDeniedError, AuthenticationError } from '@scantrail/access';
import { InvalidArgumentError, NotFoundError } from '@scantrail/queries';
import { GraphQLError, parse } from 'graphql';
import pino from 'pino';
import {
  formatGraphQLError,
  MAX_ERROR_MESSAGE_CHARS,
  toGraphQLError,
  withoutEchoedText,
} from './graphql-errors';

const logger = pino({ level: 'silent' });

describe('toGraphQLError', () => {
  it.each([
    [new InvalidArgumentError('first must be between 0 and 500'), 'BAD_USER_INPUT'],
    [new AccessDeniedError('accessLog is not available'), 'FORBIDDEN'],
    [new NotFoundError('no such thing'), 'NOT_FOUND'],
    [new AuthenticationError('token has expired'), 'UNAUTHENTICATED'],
    [new ForbiddenException('nope'), 'FORBIDDEN'],
  ])('should keep the message and code %s when the error is coded', (error, code) => {
    const mapped = toGraphQLError(error, logger);
    expect(mapped.message).toBe(error.message);
    expect(mapped.extensions.code).toBe(code);
  });

  it('should hide SQL and stack when the error is unexpected', () => {
    const mapped = toGraphQLError(
      new Error('relation "rm_secret" does not exist at SELECT ...'),
      logger,
    );
    expect(mapped.message).toBe('internal error (logged on the server)');
    expect(mapped.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it('should pass a GraphQLError through when it is already one', () => {
    const error = new GraphQLError('x', { extensions: { code: 'BAD_USER_INPUT' } });
    expect(toGraphQLError(error, logger)).toBe(error);
  });
});

describe('formatGraphQLError', () => {
  const format = formatGraphQLError(logger);

  it('should cut a message longer than the limit, naming the cut', () => {
    const name = 'f'.repeat(200_000);
    const message = `Cannot query field "${name}" on type "Query".`;
    const answer = format(
      { message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      new GraphQLError(message),
    );
    expect(answer.message).toBe(
      `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}... (cut at ${MAX_ERROR_MESSAGE_CHARS} characters)`,
    );
    expect(answer.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    const short = format({ message: 'bad', extensions: { code: 'X' } }, new GraphQLError('bad'));
    expect(short.message).toBe('bad');
  });

  it('should drop the stack trace when a coded error is formatted', () => {
    expect(
      format(
        { message: 'bad', extensions: { code: 'BAD_USER_INPUT', stacktrace: ['at x'] } },
        new GraphQLError('bad'),
      ),
    ).toEqual({ message: 'bad', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('should replace the message when an unexpected error reaches Apollo', () => {
    const original = new Error('connect ECONNREFUSED 10.0.0.5:5432');
    const wrapped = new GraphQLError(original.message, {
      originalError: original,
      path: ['ledger'],
    });
    expect(
      format(
        {
          message: original.message,
          path: ['ledger'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
        wrapped,
      ),
    ).toEqual({
      message: 'internal error (logged on the server)',
      path: ['ledger'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('should map a domain error when it escaped the exception filter', () => {
    const original = new AccessDeniedError('quarantine is not available to role vendor');
    const wrapped = new GraphQLError(original.message, { originalError: original });
    expect(
      format({ message: original.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, wrapped)
        .extensions,
    ).toEqual({
      code: 'FORBIDDEN',
    });
  });

  it.each([
    [
      'Variable "$p" got invalid value 123 at "p.value"; String cannot represent a non string value: 123',
      'Variable "$p" got a value that does not match its declared type (the value is not repeated)',
    ],
    [
      'Variable "$p" got invalid value { system: "s", value: "MRN-1", x: 1 }; Field "x" is not defined by type "PatientIdentifierInput".',
      'Variable "$p" got a value that does not match its declared type (the value is not repeated)',
    ],
    [
      'String cannot represent a non string value: 4211',
      'String cannot represent the value given (the value is not repeated)',
    ],
    [
      'Expected value of type "Int!", found "MRN-1".',
      'Expected value of type "Int!", found another (the value is not repeated)',
    ],
  ])('should not repeat the value when graphql-js says %s', (message, clean) => {
    const formatted = format(
      { message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      new GraphQLError(message),
    );
    expect(formatted).toEqual({ message: clean, extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('should answer QUERY_TIMEOUT when PostgreSQL cancelled the statement', () => {
    const cancelled = Object.assign(new Error('canceling statement due to statement timeout'), {
      driverError: { code: '57014' },
    });
    const mapped = toGraphQLError(cancelled, logger);
    expect(mapped.extensions.code).toBe('QUERY_TIMEOUT');
    expect(mapped.message).toMatch(/API_STATEMENT_TIMEOUT_MS/);
  });
});

describe('withoutEchoedText', () => {
  const syntaxErrorOf = (document: string): string => {
    try {
      parse(document);
    } catch (error) {
      return (error as GraphQLError).message;
    }
    throw new Error(`${document} parsed`);
  };

  it.each([
    ['{ a(p: {value "MRN-004211"}) }', 'Syntax Error: Expected ":", found a string'],
    ['{ a(p: {value 4711}) }', 'Syntax Error: Expected ":", found a number'],
    ['{ a(p: {value 4711.5}) }', 'Syntax Error: Expected ":", found a number'],
    ['{ a(p: {value MRN_4711}) }', 'Syntax Error: Expected ":", found a name'],
    ['{ a } "x" 4711', 'Syntax Error: Unexpected number (its text'],
    ['{ """MRN-004211""" }', 'Syntax Error: Expected Name, found a block string'],
  ])('should keep what went wrong but not the token when the document is %s', (doc, kept) => {
    const message = syntaxErrorOf(doc);
    expect(message).toMatch(/MRN|4711/);
    const clean = withoutEchoedText(message);
    expect(clean).toContain(kept);
    expect(clean).not.toMatch(/MRN|4711/);
  });

  it('should leave syntax errors that repeat nothing of the request as they are', () => {
    expect(withoutEchoedText(syntaxErrorOf('{ a(: 1) }'))).toBeUndefined();
    expect(withoutEchoedText('Syntax Error: Unterminated string.')).toBeUndefined();
  });
});
