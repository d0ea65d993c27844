import { isEventType, type EventDataOf, type EventType } from '@scantrail/contract';
import type { LedgerProjection, RecordedEntry } from '@scantrail/storage';
import type { EntityManager } from 'typeorm';
import { emptySeeds, type FindingSeeds } from '../findings/findings-seeds';
import { sql } from '../sql/sql-files';
import { LINEAGE_HANDLERS, type EntryOutput } from './lineage-handlers';
import {
  DATASET_MEMBERS,
  DISCLOSURES,
  LINEAGE_TABLES,
  TRANSFERS,
  type ReadModelTable,
} from './read-model-tables';
import { writeRows, type BatchRow } from './row-writer';

/**
 * Projects ledger entries into the lineage read models. Findings are not written here: the
 * ingest's findings worker evaluates them after the commit, from the same handlers' seeds
 * (findings-catch-up.ts), and a replay calls refreshFindings itself. Order-independent:
 * every "latest wins" rule compares event times, never arrival.
 */
export class LineageProjection implements LedgerProjection {
  async project(manager: EntityManager, entries: readonly RecordedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = new Map<ReadModelTable, BatchRow[]>();
    // The handlers name what each entry can change of the findings too; that is the
    // findings worker's business (findingSeedsOf), so here it is set aside.
    const seeds: FindingSeeds = emptySeeds();
    for (const e of entries) {
      if (!isEventType(e.type)) {
        throw new Error(`lineage: no projection for event type ${e.type} (sequence ${e.sequence})`);
      }
      const event_time = new Date(e.time).toISOString();
      const out: EntryOutput = {
        row: (table, values) => {
          const list = rows.get(table) ?? [];
          list.push({ ...values, event_time, ledger_sequence: e.sequence });
          rows.set(table, list);
        },
        seeds,
      };
      handle(e.type, e, out);
    }

    const kept = new Map<ReadModelTable, BatchRow[]>();
    for (const table of LINEAGE_TABLES) {
      kept.set(table, await writeRows(manager, table, rows.get(table) ?? []));
    }
    const written = (table: ReadModelTable): BatchRow[] => kept.get(table) ?? [];
    const members = written(DATASET_MEMBERS);
    await manager.query(sql('vendor-receipts'), [
      written(DISCLOSURES).map((r) => r.ledger_sequence),
      written(TRANSFERS).map((r) => r.ledger_sequence),
      members.map((m) => m.dataset_id),
      members.map((m) => m.study_uid),
    ]);
  }
}

/** The entry's data is its type's: the ingest validated it before it was recorded. */
function handle<T extends EventType>(type: T, entry: RecordedEntry, out: EntryOutput): void {
  const handler: (data: EventDataOf<T>, e: RecordedEntry, o: EntryOutput) => void =
    LINEAGE_HANDLERS[type];
  handler(entry.data as EventDataOf<T>, entry, out);
}
