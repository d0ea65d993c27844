import { LineageProjection } from '@scantrail/projection';
import {
  LEDGER_LOCK_CLASS,
  LedgerLog,
  LedgerReader,
  READ_MODEL_TABLES,
  type Database,
  type RecordedEntry,
} from '@scantrail/storage';
import { Progress } from '../progress';

interface LeafFields {
  sequence: number;
  source: string;
  id: string;
  type: string;
  time: string;
  subject: string;
  data: unknown;
  payloadDigest: string;
}

const PAGE = 2000;

/**
 * Drops every read model and replays the ledger into it, in ONE transaction under the
 * ledger lock: ingest pauses meanwhile, and readers see the old models until the commit.
 */
export async function rebuildReadModels(db: Database, log: LedgerLog): Promise<number> {
  const total = await new LedgerReader(db.dataSource).treeSize();
  const progress = new Progress('rebuilding', total);
  const projection = new LineageProjection();
  let replayed = 0;
  await db.dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [LEDGER_LOCK_CLASS, log.lockKey]);
    await manager.query(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}`);
    const reader = new LedgerReader(manager);
    for (let from = 0; ; from += PAGE) {
      const page = await reader.entries(from, PAGE);
      if (page.length === 0) break;
      const entries: RecordedEntry[] = page.map((stored) => {
        const leaf = JSON.parse(stored.leafData) as LeafFields;
        return {
          ...leaf,
          leafData: stored.leafData,
          leafHash: stored.leafHash,
          chainHash: stored.chainHash,
        };
      });
      await projection.project(manager, entries);
      replayed += entries.length;
      progress.update(replayed);
    }
  });
  progress.done();
  return replayed;
}
