import { parseRfc3339DateTime } from '@scantrail/contract';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const MESSAGE = 'DateTime must be an RFC 3339 date-time, such as 2025-01-31T09:30:00Z';

function parse(value: unknown): Date {
  const ms = typeof value === 'string' ? parseRfc3339DateTime(value) : undefined;
  if (ms === undefined) throw new GraphQLError(MESSAGE, { extensions: { code: 'BAD_USER_INPUT' } });
  return new Date(ms);
}

/** RFC 3339 date-times: read with any offset, served in UTC as `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An RFC 3339 date-time; served in UTC with millisecond precision (Z).',
  serialize(value: unknown): string {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    if (typeof value === 'string') return parse(value).toISOString();
    throw new GraphQLError('DateTime cannot serialize a non-date value');
  },
  parseValue: parse,
  parseLiteral(ast): Date {
    if (ast.kind !== Kind.STRING)
      throw new GraphQLError(MESSAGE, { extensions: { code: 'BAD_USER_INPUT' } });
    return parse(ast.value);
  },
});
