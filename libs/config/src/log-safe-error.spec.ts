import { logSafeReason, safeErrorFields, sqlStateOf, withholdQuotedValues } from './log-safe-error';

/** Shaped like TypeORM's QueryFailedError: the driver error's fields plus the statement. */
function queryFailed(message: string, code: string): Error {
  return Object.assign(new Error(message), {
    name: 'QueryFailedError',
    code,
    query: 'INSERT INTO ledger_entries ...',
    parameters: [['{"patient":"MRN-MARKER-1"}']],
    detail: 'Key (accession)=(ACC-MARKER-2) already exists.',
    driverError: { parameters: ['MRN-MARKER-1'] },
  });
}

describe('withholdQuotedValues', () => {
  it.each([
    [
      'invalid input syntax for type timestamp with time zone: "MRN-1"',
      'invalid input syntax for type timestamp with time zone: "…"',
    ],
    [
      'time zone displacement out of range: "2024-05-01T12:00:00+16:00"',
      'time zone displacement out of range: "…"',
    ],
    [
      'new row for relation "ledger_entries" violates check constraint "no_marker"',
      'new row for relation "ledger_entries" violates check constraint "no_marker"',
    ],
    [
      'value too long for type character varying(5)',
      'value too long for type character varying(5)',
    ],
    ['column "x" of relation "y" has "a ""quoted"" value"', 'column "x" of relation "y" has "…"'],
  ])('should keep names and withhold values when given %s', (message, expected) => {
    expect(withholdQuotedValues(message)).toBe(expected);
  });
});

describe('logSafeReason', () => {
  it.each([
    [
      'not_cloudevent: time must be an RFC 3339 date-time with an offset (e.g. 2024-05-01T12:00:00Z), got "MRN-004211"',
      'not_cloudevent: time must be an RFC 3339 date-time with an offset (e.g. 2024-05-01T12:00:00Z), got "…"',
    ],
    ['unknown_type: "MRN \\"quoted\\" 004211"', 'unknown_type: "…"'],
    [
      'not_cloudevent: specversion must be "1.0", got "MRN-1..."',
      'not_cloudevent: specversion must be "…", got "…"',
    ],
    ['invalid_data: data: unknown field "MRN-004211"', 'invalid_data: data: unknown field "…"'],
    ['unknown_type: "MRN-00421', 'unknown_type: "…"'],
    ['too_large: 2097152 bytes > 1048576', 'too_large: 2097152 bytes > 1048576'],
  ])('should withhold every quoted value of %s', (reason, expected) => {
    expect(logSafeReason(reason)).toBe(expected);
    expect(logSafeReason(reason)).not.toContain('MRN');
  });

  it('should keep a database refusal as withholdQuotedValues left it, names included', () => {
    const reason =
      'rejected_by_database: 23514 new row for relation "ledger_entries" violates check constraint "no_marker"';
    expect(logSafeReason(reason)).toBe(reason);
  });

  it('should cut the reason at the length given', () => {
    expect(logSafeReason(`invalid_data: ${'x'.repeat(500)}`, 40)).toHaveLength(40);
  });
});

describe('safeErrorFields', () => {
  it('should keep the SQLSTATE and message and drop parameters, query and detail when given a query failure', () => {
    const fields = safeErrorFields(
      queryFailed('invalid input syntax for type json: "MRN-MARKER-1"', '22P02'),
    );
    expect(fields).toMatchObject({ type: 'QueryFailedError', code: '22P02' });
    expect(fields.message).toBe('invalid input syntax for type json: "…"');
    expect(JSON.stringify(fields)).not.toMatch(/MARKER|INSERT/);
  });

  it('should keep frames but not the message line when given a stack', () => {
    const error = new Error('plain message');
    const fields = safeErrorFields(error);
    expect(fields.stack).toMatch(/^\s+at /);
    expect(fields.stack).not.toContain('plain message');
  });

  it('should follow causes and keep Node codes when given a wrapped connection error', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const fields = safeErrorFields(new Error('database unreachable', { cause }));
    expect(fields.cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('should say a non-Error was thrown without showing it when given a string', () => {
    expect(safeErrorFields('MRN-MARKER-1')).toEqual({
      type: 'string',
      message: 'a non-Error value was thrown',
    });
  });
});

describe('sqlStateOf', () => {
  it.each([
    ['23514', '23514'],
    ['40P01', '40P01'],
    ['ECONNREFUSED', undefined],
    [42, undefined],
  ])('should read %p as %p', (code, expected) => {
    expect(sqlStateOf({ code })).toBe(expected);
  });
});
