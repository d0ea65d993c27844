import { sqlStateOf } from '@scantrail/config';
import type { Queryable } from '../database/queryable';
import { LEDGER_LOCK_CLASS } from './ledger-log';

/**
 * How long an append waits for the ledger's lock. A batch takes it for tens of
 * milliseconds; a wait this long means another session holds it (`cli rebuild`, or a session
 * that took it by hand): the append gives up, the ingest says who holds it and retries the
 * batch (its transaction rolled back whole, so nothing is lost or recorded twice).
 */
export const LEDGER_LOCK_WAIT_MS = 10_000;

/**
 * The statements that take the ledger's lock for the transaction, waiting at most `waitMs`
 * (lock_timeout for this statement only; every other wait keeps the pinned 0). One simple
 * query, so no round trip more than the lock alone; the key is written in, an integer.
 */
export function takeLedgerLockSql(lockKey: number, waitMs = LEDGER_LOCK_WAIT_MS): string {
  if (!Number.isSafeInteger(lockKey)) throw new Error('LedgerLog.lockKey must be an integer');
  if (!Number.isSafeInteger(waitMs) || waitMs < 1) throw new Error('waitMs must be >= 1');
  return `SET LOCAL lock_timeout = ${waitMs}; SELECT pg_advisory_xact_lock(${LEDGER_LOCK_CLASS}, ${lockKey}); SET LOCAL lock_timeout = 0`;
}

/**
 * A lock wait that ran out (SQLSTATE 55P03). Only the ledger's lock waits with a limit in
 * our sessions (lock_timeout is pinned to 0 everywhere else), so this is that wait.
 */
export function isLedgerLockWait(error: unknown): boolean {
  return sqlStateOf(error) === '55P03';
}

/** A session holding the ledger's lock, as PostgreSQL shows it to the asking role. */
export interface LedgerLockHolder {
  pid: number;
  user: string | null;
  application_name: string | null;
  /** Its transaction's start, else its connection's; null when hidden from other roles. */
  since: Date | null;
}

/** Who holds the ledger's lock now (pg_locks, with pg_stat_activity's names). */
export async function ledgerLockHolders(
  db: Queryable,
  lockKey: number,
): Promise<LedgerLockHolder[]> {
  return (await db.query(
    `SELECT l.pid, a.usename AS user, a.application_name,
            coalesce(a.xact_start, a.backend_start) AS since
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.classid::bigint = $1 AND l.objid::bigint = $2
      ORDER BY l.pid`,
    [LEDGER_LOCK_CLASS, lockKey],
  )) as LedgerLockHolder[];
}
