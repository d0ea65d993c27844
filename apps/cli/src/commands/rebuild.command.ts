import { decodeLeafData } from '@scantrail/ledger';
import {
  FINDINGS_LOCK_CLASS,
  findingSeedsOf,
  LineageProjection,
  refreshFindings,
  storeFindingsProgress,
} from '@scantrail/projection';
import { keepAllDeletionObligations } from '@scantrail/queries';
import {
  createDataSource,
  isLockWaitTimeout,
  LEDGER_LOCK_CLASS,
  LedgerLog,
  LedgerReader,
  READ_MODEL_TABLES,
  relationLockHolders,
  withBoundedLockWaits,
  type Database,
  type LockWaitPolicy,
  type RecordedEntry,
} from '@scantrail/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { Progress } from '../progress';

const PAGE = 2000;

/** How long rebuild waits for the read models' tables before it names who holds them. */
export type TruncateWait = Omit<LockWaitPolicy, 'pauseMs'>;

export const DEFAULT_TRUNCATE_WAIT: TruncateWait = { waitMs: 10_000, tries: 3 };

/**
 * Drops every read model and replays the ledger into it, findings included, in ONE
 * transaction under the findings lock and the ledger lock: ingest and its findings worker
 * pause meanwhile, and readers of the read models wait for the commit (TRUNCATE's
 * exclusive lock).
 * Runs as the schema owner (MIGRATION_DATABASE_URL): the apps' role may not TRUNCATE.
 */
export async function rebuildReadModels(
  db: Database,
  log: LedgerLog,
  wait: TruncateWait = DEFAULT_TRUNCATE_WAIT,
): Promise<number> {
  const owner =
    db.migrationUrl === db.url
      ? undefined
      : createDataSource(db.migrationUrl, { name: 'rebuild', poolSize: 1 });
  try {
    await owner?.initialize();
    return await replay(owner ?? db.dataSource, log, wait);
  } catch (error) {
    if ((error as { code?: string }).code === '42501') {
      throw new Error(
        `rebuild empties the read models (TRUNCATE), which only the schema owner may: set MIGRATION_DATABASE_URL (${(error as Error).message})`,
      );
    }
    throw error;
  } finally {
    if (owner?.isInitialized) await owner.destroy();
  }
}

async function replay(dataSource: DataSource, log: LedgerLog, wait: TruncateWait): Promise<number> {
  const total = await new LedgerReader(dataSource).treeSize();
  const progress = new Progress('rebuilding', total);
  const replayed = await dataSource.transaction(async (manager) => {
    // The findings lock first, as the findings worker takes it (it never waits for the ledger).
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [FINDINGS_LOCK_CLASS, log.lockKey]);
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [LEDGER_LOCK_CLASS, log.lockKey]);
    await truncateReadModels(manager, wait);
    const n = await projectLedger(manager, (done) => progress.update(done));
    await storeFindingsProgress(manager, n - 1);
    return n;
  });
  progress.done();
  return replayed;
}

/**
 * Empties the read models, waiting for their tables at most `wait.waitMs` at a time. Any
 * session may hold a read lock on them in an idle transaction (the apps' role can: no grant
 * takes that away), and TRUNCATE's exclusive request, queued behind it, would hold back every
 * later reader of those tables too (the API's) for as long as it waits. So each wait is
 * bounded: when it runs out the request leaves the queue (rolled back to a savepoint), the
 * holders are told, and after `tries` waits rebuild stops with their names, having changed
 * nothing.
 */
async function truncateReadModels(manager: EntityManager, wait: TruncateWait): Promise<void> {
  await withBoundedLockWaits(
    { ...wait, pauseMs: 0 },
    async () => {
      await manager.query('SAVEPOINT truncate_read_models');
      try {
        await manager.query(
          `SET LOCAL lock_timeout = ${Math.max(1, Math.trunc(wait.waitMs))}; ` +
            `TRUNCATE ${READ_MODEL_TABLES.join(', ')}; SET LOCAL lock_timeout = 0`,
        );
      } catch (error) {
        // Also undoes the SET LOCAL: the pinned lock_timeout 0 is back.
        if (isLockWaitTimeout(error))
          await manager.query('ROLLBACK TO SAVEPOINT truncate_read_models');
        throw error;
      }
      await manager.query('RELEASE SAVEPOINT truncate_read_models');
    },
    () => relationLockHolders(manager, READ_MODEL_TABLES),
    (who) =>
      new Error(
        `rebuild could not empty the read models: waited ${wait.tries} x ${wait.waitMs} ms for their tables, held by ${who || 'a session that has since let go'}; ` +
          'end that session (pg_terminate_backend as a superuser) and run rebuild again. Nothing was changed.',
      ),
  );
}

/**
 * Evaluates every deletion request again into the kept obligations (1764103000000-
 * deletion-obligations; the migration leaves them empty and the API evaluates a request
 * without a kept row when asked). Under the ledger lock, in one transaction: the ingest,
 * which keeps them per batch, waits meanwhile. Returns the requests kept.
 */
export async function keepDeletionObligationsCommand(
  db: Database,
  log: LedgerLog,
): Promise<number> {
  return db.dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [LEDGER_LOCK_CLASS, log.lockKey]);
    return keepAllDeletionObligations(manager);
  });
}

/**
 * Projects every ledger entry, in sequence order, through the ingest's projection into
 * the read-model tables `manager` sees (emptied beforehand), and evaluates the findings
 * page by page as the findings worker would; returns the entries replayed.
 */
export async function projectLedger(
  manager: EntityManager,
  onProgress: (replayed: number) => void = () => undefined,
): Promise<number> {
  const projection = new LineageProjection();
  const reader = new LedgerReader(manager);
  let replayed = 0;
  for (let from = 0; ; from += PAGE) {
    const page = await reader.entries(from, PAGE);
    if (page.length === 0) break;
    const entries: RecordedEntry[] = page.map((stored) => ({
      ...decodeLeafData(stored.leafData),
      leafData: stored.leafData,
      leafHash: stored.leafHash,
      chainHash: stored.chainHash,
    }));
    await projection.project(manager, entries);
    await refreshFindings(manager, findingSeedsOf(entries));
    replayed += entries.length;
    onProgress(replayed);
  }
  return replayed;
}
