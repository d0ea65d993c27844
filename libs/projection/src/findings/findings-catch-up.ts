import { decodeLeafData } from '@scantrail/ledger';
import {
  advisoryLockHolders,
  takeAdvisoryXactLockSql,
  type AdvisoryLockHolder,
  type LedgerLog,
  type Queryable,
} from '@scantrail/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { sql } from '../sql/sql-files';
import { refreshFindings } from './findings-refresh';
import { findingSeedsOf } from './findings-seeds';

/**
 * Advisory lock class of findings evaluation (the second half of the key is the log's):
 * the findings worker, `cli rebuild` and `verify --read-models` take it, so one of them at
 * a time moves rm_findings and its position, whichever process it runs in.
 */
export const FINDINGS_LOCK_CLASS = 0x5c7b;

/**
 * How long the findings worker waits for the findings lock. A round holds it for as long as
 * it evaluates (seconds at most); a wait this long means another session holds it (`cli
 * rebuild`, `verify --read-models`, another ingest's long round, or a session that took it by
 * hand): the round gives up before it read anything, the worker says who holds the lock and
 * tries again, so the findings wait but are neither lost nor stored twice.
 */
export const FINDINGS_LOCK_WAIT_MS = 10_000;

/** Entries a round evaluates at most: bounds the memory of one round's world. */
export const FINDINGS_ROUND_ENTRIES = 20_000;

export interface FindingsRound {
  /** Ledger sequence the findings were complete through before the round (-1: none). */
  from: number;
  /** ... and after it. */
  completeThrough: number;
  /** Entries the round evaluated (0: the findings had caught up with the ledger). */
  evaluated: number;
}

interface EntryRow {
  sequence: string;
  leaf_data: string;
}

/**
 * One round of the findings worker, in the caller's transaction: under the findings lock,
 * reads up to `maxEntries` ledger entries after the stored position, re-evaluates the
 * findings they can change (the same rules and refresh as when the ingest did it inline)
 * and moves the position to the last of them. Entries commit in sequence order (the
 * sequencer holds the ledger lock until its commit), so no entry below the position can
 * appear later; the read models of an entry commit with it, so they are there to read.
 * What a round reads of entries committed after it started is evaluated again in a later
 * round, whose seeds cover every finding those entries can change: the stored findings
 * converge to exactly what evaluating the whole ledger gives.
 */
export async function catchUpFindings(
  manager: EntityManager,
  log: LedgerLog,
  maxEntries = FINDINGS_ROUND_ENTRIES,
  lockWaitMs?: number,
): Promise<FindingsRound> {
  await takeFindingsLock(manager, log, lockWaitMs);
  const [progress] = await manager.query<{ complete_through: string }[]>(sql('findings-progress'));
  if (progress === undefined) {
    throw new Error('findings_progress has no row: run the migrations (cli migrate)');
  }
  const from = Number(progress.complete_through);
  const rows = await manager.query<EntryRow[]>(sql('entries-after'), [from, maxEntries]);
  if (rows.length === 0) return { from, completeThrough: from, evaluated: 0 };
  await refreshFindings(
    manager,
    findingSeedsOf(rows.map((r) => decodeLeafData(r.leaf_data))),
    from,
  );
  const completeThrough = Number(rows[rows.length - 1].sequence);
  await storeFindingsProgress(manager, completeThrough);
  return { from, completeThrough, evaluated: rows.length };
}

/**
 * Takes the findings lock for the caller's transaction: waiting at most `waitMs` (then the
 * statement fails with SQLSTATE 55P03, isLockWaitTimeout), or for as long as it takes when
 * undefined (one-shot tools that must run after whoever holds it).
 */
export async function takeFindingsLock(
  manager: Queryable,
  log: LedgerLog,
  waitMs?: number,
): Promise<void> {
  if (waitMs === undefined) {
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [FINDINGS_LOCK_CLASS, log.lockKey]);
  } else {
    await manager.query(takeAdvisoryXactLockSql(FINDINGS_LOCK_CLASS, log.lockKey, waitMs));
  }
}

/** Who holds the findings lock now (pid, user, application_name, since). */
export function findingsLockHolders(db: Queryable, log: LedgerLog): Promise<AdvisoryLockHolder[]> {
  return advisoryLockHolders(db, FINDINGS_LOCK_CLASS, log.lockKey);
}

/** Sets the findings position (a replay that evaluated every entry sets it to the head). */
export async function storeFindingsProgress(
  manager: EntityManager,
  completeThrough: number,
): Promise<void> {
  await manager.query(sql('store-findings-progress'), [completeThrough]);
}

/**
 * Runs rounds, each in its own transaction, until the findings are complete through the
 * ledger's head as it was when the last round began. For callers that need findings now
 * (tests, benchmarks, a one-shot tool); the ingest runs the same rounds in its worker.
 */
export async function completeFindings(
  dataSource: DataSource,
  log: LedgerLog,
  maxEntries = FINDINGS_ROUND_ENTRIES,
): Promise<number> {
  for (;;) {
    const round = await dataSource.transaction('READ COMMITTED', (manager) =>
      catchUpFindings(manager, log, maxEntries),
    );
    if (round.evaluated === 0) return round.completeThrough;
  }
}
