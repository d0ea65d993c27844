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
  LEDGER_LOCK_CLASS,
  LedgerLog,
  LedgerReader,
  READ_MODEL_TABLES,
  type Database,
  type RecordedEntry,
} from '@scantrail/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { Progress } from '../progress';

const PAGE = 2000;

/**
 * Drops every read model and replays the ledger into it, findings included, in ONE
 * transaction under the findings lock and the ledger lock: ingest and its findings worker
 * pause meanwhile, and readers see the old models until the commit.
 * Runs as the schema owner (MIGRATION_DATABASE_URL): the apps' role may not TRUNCATE.
 */
export async function rebuildReadModels(db: Database, log: LedgerLog): Promise<number> {
  const owner =
    db.migrationUrl === db.url
      ? undefined
      : createDataSource(db.migrationUrl, { name: 'rebuild', poolSize: 1 });
  try {
    await owner?.initialize();
    return await replay(owner ?? db.dataSource, log);
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

async function replay(dataSource: DataSource, log: LedgerLog): Promise<number> {
  const total = await new LedgerReader(dataSource).treeSize();
  const progress = new Progress('rebuilding', total);
  const replayed = await dataSource.transaction(async (manager) => {
    // The findings lock first, as the findings worker takes it (it never waits for the ledger).
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [FINDINGS_LOCK_CLASS, log.lockKey]);
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [LEDGER_LOCK_CLASS, log.lockKey]);
    await manager.query(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}`);
    const n = await projectLedger(manager, (done) => progress.update(done));
    await storeFindingsProgress(manager, n - 1);
    return n;
  });
  progress.done();
  return replayed;
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
