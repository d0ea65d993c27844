import { sqlStateOf } from '@scantrail/config';
import type { Queryable } from './queryable';

/**
 * The statements that take the transaction-level advisory lock (`lockClass`, `lockKey`),
 * waiting at most `waitMs` (lock_timeout for this statement only; every other wait keeps the
 * pinned 0). One simple query, so no round trip more than the lock alone; both halves of the
 * key are written in, integers.
 */
export function takeAdvisoryXactLockSql(
  lockClass: number,
  lockKey: number,
  waitMs: number,
): string {
  if (!Number.isSafeInteger(lockClass)) throw new Error('lockClass must be an integer');
  if (!Number.isSafeInteger(lockKey)) throw new Error('lockKey must be an integer');
  if (!Number.isSafeInteger(waitMs) || waitMs < 1) throw new Error('waitMs must be >= 1');
  return `SET LOCAL lock_timeout = ${waitMs}; SELECT pg_advisory_xact_lock(${lockClass}, ${lockKey}); SET LOCAL lock_timeout = 0`;
}

/**
 * A lock wait that ran out (SQLSTATE 55P03). lock_timeout is pinned to 0 in our sessions but
 * for the bounded advisory waits above, so in a transaction that takes one of them (and no
 * other with a limit) this is that wait.
 */
export function isLockWaitTimeout(error: unknown): boolean {
  return sqlStateOf(error) === '55P03';
}

/**
 * A wait for the append lock of a history table that ran out (migration 1764113000000's
 * trigger, scantrail_append_in_order): another session appended to the same table and has
 * not ended its transaction for APPEND_ORDER_WAIT.
 */
export function isAppendOrderWait(error: unknown): boolean {
  return isLockWaitTimeoutWhere(error, 'scantrail_append_in_order');
}

/** A lock wait that ran out where PostgreSQL's context (`where`) names `place`. */
export function isLockWaitTimeoutWhere(error: unknown, place: string): boolean {
  const where = (error as { where?: unknown } | null)?.where;
  return isLockWaitTimeout(error) && typeof where === 'string' && where.includes(place);
}

/** A session holding an advisory lock, as PostgreSQL shows it to the asking role. */
export interface AdvisoryLockHolder {
  pid: number;
  user: string | null;
  application_name: string | null;
  /** Its transaction's start, else its connection's; null when hidden from other roles. */
  since: Date | null;
}

/** Who holds the two-key advisory lock (`lockClass`, `lockKey`) now (pg_locks, with pg_stat_activity's names). */
export async function advisoryLockHolders(
  db: Queryable,
  lockClass: number,
  lockKey: number,
): Promise<AdvisoryLockHolder[]> {
  return (await db.query(
    `SELECT l.pid, a.usename AS user, a.application_name,
            coalesce(a.xact_start, a.backend_start) AS since
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.classid::bigint = $1 AND l.objid::bigint = $2
      ORDER BY l.pid`,
    [lockClass, lockKey],
  )) as AdvisoryLockHolder[];
}

/** Who holds a lock on any of `tables` (all the schema's, when not given) now: granted relation locks, other sessions only. */
export async function relationLockHolders(
  db: Queryable,
  tables?: readonly string[],
): Promise<AdvisoryLockHolder[]> {
  return (await db.query(
    `SELECT DISTINCT l.pid, a.usename AS user, a.application_name,
            coalesce(a.xact_start, a.backend_start) AS since
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.relation IN (SELECT c.oid FROM pg_class c
                            WHERE ($1::text[] IS NULL OR c.relname = ANY($1::text[]))
                              AND c.relnamespace = 'public'::regnamespace)
      ORDER BY l.pid`,
    [tables ?? null],
  )) as AdvisoryLockHolder[];
}

/** A holder as an operator reads it (no query text: other roles' statements stay hidden). */
export function describeLockHolder(h: AdvisoryLockHolder): string {
  const since = h.since ? ` since ${new Date(h.since).toISOString()}` : '';
  return `pid ${h.pid} (user ${h.user ?? 'hidden'}, application ${JSON.stringify(h.application_name ?? '')}${since})`;
}

/** How a step that takes table locks waits for them: in bounded waits, then it gives up. */
export interface LockWaitPolicy {
  /** One wait for a lock (the step's lock_timeout). */
  waitMs: number;
  /** Pause between two waits, while the readers queued behind the last one go on. */
  pauseMs: number;
  /** Waits before giving up. */
  tries: number;
  /** Told after each wait that ran out. */
  onWait?: (holders: AdvisoryLockHolder[], attempt: number) => void;
}

/**
 * Runs `step` until it ends without a lock wait running out (SQLSTATE 55P03; the step undoes
 * its own part of a transaction before it throws), at most `policy.tries` times: after each
 * wait that ran out, `holders` names who held the locks, `policy.onWait` is told, and the
 * next try comes `policy.pauseMs` later. A queued exclusive request holds back every later
 * reader of its table, so a step that waits unbounded behind a session idle in a
 * transaction (any role can make one) stalls those readers too. After the last try, the
 * error `giveUp` makes from the holders' names ("" when they have let go since).
 */
export async function withBoundedLockWaits<T>(
  policy: LockWaitPolicy,
  step: () => Promise<T>,
  holders: () => Promise<AdvisoryLockHolder[]>,
  giveUp: (who: string) => Error,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!isLockWaitTimeout(error)) throw error;
      const held = await holders();
      policy.onWait?.(held, attempt);
      if (attempt >= policy.tries) throw giveUp(held.map(describeLockHolder).join(', '));
      if (policy.pauseMs > 0) await new Promise((r) => setTimeout(r, policy.pauseMs));
    }
  }
}
