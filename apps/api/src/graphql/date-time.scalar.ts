import { parseRfc3339DateTime, unstorableDateTimeProblem } from '@scantrail/contract';
import { readIsoString } from '@scantrail/queries';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { ScalarValueError } from './graphql-errors';

const MESSAGE = 'DateTime must be an RFC 3339 date-time, such as 2025-01-31T09:30:00Z';

function badInput(message: string): GraphQLError {
  return new ScalarValueError(message);
}

// Arguments end up as query parameters of timestamptz columns: a value PostgreSQL cannot
// hold (year 0000, an offset beyond +-15:59, outside 0001..9999) is the caller's mistake,
// refused here rather than as a database error.
function parse(value: unknown): Date {
  const ms = typeof value === 'string' ? parseRfc3339DateTime(value) : undefined;
  if (ms === undefined) throw badInput(MESSAGE);
  const problem = unstorableDateTimeProblem(value as string);
  if (problem !== undefined) {
    throw badInput(`DateTime ${problem}`);
  }
  return new Date(ms);
}

/** RFC 3339 date-times: read with any offset, served in UTC as `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description:
    'An RFC 3339 date-time between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z with an offset within +-15:59; served in UTC with millisecond precision (Z).',
  serialize(value: unknown): string {
    if (value instanceof Date) {
      // A timestamp as read from PostgreSQL carries its text (most of what is served).
      if (!Number.isNaN(value.getTime())) return readIsoString(value) ?? value.toISOString();
    }
    if (typeof value === 'string') return parse(value).toISOString();
    throw new GraphQLError('DateTime cannot serialize a non-date value');
  },
  parseValue: parse,
  parseLiteral(ast): Date {
    if (ast.kind !== Kind.STRING) throw badInput(MESSAGE);
    return parse(ast.value);
  },
});
