import type { Queryable } from '../database/queryable';
import {
  advisoryLockHolders,
  isAppendOrderWait,
  isLockWaitTimeout,
  takeAdvisoryXactLockSql,
  type AdvisoryLockHolder,
} from '../database/advisory-lock-wait';
import { LEDGER_LOCK_CLASS } from './ledger-log';
import { isOffsetLockWait } from '../ingest/offset-store';

/**
 * How long an append waits for the ledger's lock. A batch takes it for tens of
 * milliseconds; a wait this long means another session holds it (`cli rebuild`, or a session
 * that took it by hand): the append gives up, the ingest says who holds it and retries the
 * batch (its transaction rolled back whole, so nothing is lost or recorded twice).
 */
export const LEDGER_LOCK_WAIT_MS = 10_000;

/** The statements that take the ledger's lock for the transaction, waiting at most `waitMs`. */
export function takeLedgerLockSql(lockKey: number, waitMs = LEDGER_LOCK_WAIT_MS): string {
  return takeAdvisoryXactLockSql(LEDGER_LOCK_CLASS, lockKey, waitMs);
}

/**
 * A lock wait that ran out (SQLSTATE 55P03). An append's transaction waits with a limit
 * only for its partitions' offset rows (isOffsetLockWait), the ledger's lock and, when it
 * quarantines, a history table's append lock (isAppendOrderWait); this is the second.
 */
export function isLedgerLockWait(error: unknown): boolean {
  return isLockWaitTimeout(error) && !isAppendOrderWait(error) && !isOffsetLockWait(error);
}

/** A session holding the ledger's lock. */
export type LedgerLockHolder = AdvisoryLockHolder;

/** Who holds the ledger's lock now. */
export function ledgerLockHolders(db: Queryable, lockKey: number): Promise<LedgerLockHolder[]> {
  return advisoryLockHolders(db, LEDGER_LOCK_CLASS, lockKey);
}
