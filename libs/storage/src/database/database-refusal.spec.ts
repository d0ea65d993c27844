import { databaseRefusalOf, rejectedByDatabaseReason } from './database-refusal';

const pgError = (code: string, message = 'refused'): Error =>
  Object.assign(new Error(message), { code, parameters: ['MRN-MARKER'] });

describe('databaseRefusalOf', () => {
  it.each(['22007', '22008', '22P02', '23514', '23502', '23505', '54000'])(
    'should call %s a data refusal when PostgreSQL raises it',
    (code) => {
      expect(databaseRefusalOf(pgError(code))).toEqual({ sqlState: code, message: 'refused' });
    },
  );

  it.each(['40001', '40P01', '08006', '57P01', '57014', '53300', '42501', 'XX000', '55P03'])(
    'should leave %s to the retry when PostgreSQL raises it',
    (code) => {
      expect(databaseRefusalOf(pgError(code))).toBeUndefined();
    },
  );

  it('should leave errors without a SQLSTATE to the retry when the connection fails', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(databaseRefusalOf(refused)).toBeUndefined();
    expect(databaseRefusalOf(new Error('Connection terminated unexpectedly'))).toBeUndefined();
  });

  it('should withhold quoted values and never show parameters when building the reason', () => {
    const refusal = databaseRefusalOf(
      pgError('22007', 'invalid input syntax for type timestamp with time zone: "MRN-MARKER"'),
    );
    expect(refusal && rejectedByDatabaseReason(refusal)).toBe(
      'rejected_by_database: 22007 invalid input syntax for type timestamp with time zone: "…"',
    );
  });
});
