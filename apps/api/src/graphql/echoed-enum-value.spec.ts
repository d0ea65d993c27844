import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import pino from 'pino';
import { formatGraphQLError } from './graphql-errors';

/**
 * Attack: a value written where an enum goes, as a string literal
 * (`findings(code: "MRN-004211")`). graphql-js refuses it with `Enum "FindingCode" cannot
 * represent non-enum value: "MRN-004211".`, repeating the value; the API's formatter keeps
 * only the variable and the type for the other value-echoing messages (Variable ... got
 * invalid value, Expected value of type ..., String cannot represent ...), but not for
 * this one, so the error (and whatever logs or shows it) carried the identifier back
 * (CONTRACT 3: nothing leaked; STYLE 9). Reproduce: POST { findings(code: "MRN-004211")
 * { totalCount } } with any token.
 */
const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));
const format = formatGraphQLError(pino({ level: 'silent' }));
const MRN = 'MRN-004211';

describe('validation errors of enum arguments', () => {
  it.each([
    `{ findings(code: "${MRN}") { totalCount } }`,
    `{ deletionRequests(status: "${MRN}") { totalCount } }`,
  ])('should not repeat the value given when the document is %s', (document) => {
    const errors = validate(schema, parse(document));
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      // As Apollo hands it over: validation errors carry GRAPHQL_VALIDATION_FAILED.
      const formatted = format(
        { ...error.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
        error,
      );
      expect(formatted.message).not.toContain(MRN);
      expect(formatted.message).toMatch(/FindingCode|DeletionStatus/);
    }
  });
});
