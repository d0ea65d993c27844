import { isAppendOrderWait } from '../database/advisory-lock-wait';
import { isLedgerLockWait, LEDGER_LOCK_WAIT_MS, takeLedgerLockSql } from './ledger-lock';

describe('takeLedgerLockSql', () => {
  it('should bound the wait for the lock alone when it builds the statements', () => {
    expect(takeLedgerLockSql(1)).toBe(
      `SET LOCAL lock_timeout = ${LEDGER_LOCK_WAIT_MS}; SELECT pg_advisory_xact_lock(23674, 1); SET LOCAL lock_timeout = 0`,
    );
  });

  it.each([[1.5], [Number.NaN], [2 ** 60]])(
    'should refuse a key that is no safe integer (%s) when it builds the statements',
    (key) => {
      expect(() => takeLedgerLockSql(key)).toThrow('lockKey must be an integer');
    },
  );

  it('should refuse a wait below one millisecond (0 would mean for ever)', () => {
    expect(() => takeLedgerLockSql(1, 0)).toThrow('waitMs');
  });
});

describe('isLedgerLockWait', () => {
  it.each([
    [{ code: '55P03' }, true],
    [{ code: '40001' }, false],
    [new Error('no code'), false],
    [
      { code: '55P03', where: 'PL/pgSQL function scantrail_append_in_order() line 3 at PERFORM' },
      false,
    ],
  ])('should tell a lock wait that ran out from other failures (%o)', (error, expected) => {
    expect(isLedgerLockWait(error)).toBe(expected);
  });
});

describe('isAppendOrderWait', () => {
  it.each([
    [
      { code: '55P03', where: 'PL/pgSQL function scantrail_append_in_order() line 3 at PERFORM' },
      true,
    ],
    [{ code: '55P03' }, false],
    [{ code: '40001', where: 'PL/pgSQL function scantrail_append_in_order() line 3' }, false],
  ])("should tell a history table's append wait from the ledger's (%o)", (error, expected) => {
    expect(isAppendOrderWait(error)).toBe(expected);
  });
});
