import { readSql } from '../sql/read-sql';
import { rows, type Queryable } from '../sql/queryable';

/** How fresh the stored findings are: the ingest's findings worker runs behind the ledger. */
export interface FindingsFreshness {
  /** Highest ledger sequence whose effect on the findings is stored; null: none yet. */
  completeThrough: number | null;
  /** Ledger entries recorded whose effect on the findings is not stored yet. */
  lagEntries: number;
  /** Seconds since the oldest of those entries was recorded; 0 when none is waiting. */
  lagSeconds: number;
}

interface FreshnessRow {
  complete_through: string;
  head: string | null;
  waiting_seconds: number | null;
}

export async function findingsFreshness(db: Queryable): Promise<FindingsFreshness> {
  const [row] = await rows<FreshnessRow>(db, readSql('findings-freshness'), []);
  if (row === undefined) throw new Error('findings_progress has no row: run the migrations');
  const completeThrough = Number(row.complete_through);
  const head = row.head === null ? -1 : Number(row.head);
  return {
    completeThrough: completeThrough < 0 ? null : completeThrough,
    lagEntries: Math.max(0, head - completeThrough),
    lagSeconds: Math.max(0, row.waiting_seconds ?? 0),
  };
}
