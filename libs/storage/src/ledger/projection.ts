import type { EntityManager } from 'typeorm';
import type { RecordedEntry } from './append-batch';

/**
 * A read model fed from the ledger, inside the transaction that appended the entries
 * (ingest) or that replays them (rebuild). It must give the same state whatever the
 * batching, and may only read what earlier entries wrote.
 */
export interface LedgerProjection {
  project(manager: EntityManager, entries: readonly RecordedEntry[]): Promise<void>;
}
