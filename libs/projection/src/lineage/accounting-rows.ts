import {
  ADD_ACCOUNTING_EVENTS,
  RELEASE_ACCOUNTING_PATIENTS,
  WRITE_ACCOUNTING_PATIENTS,
} from '@scantrail/storage';
import type { EntityManager } from 'typeorm';

/** What a batch wrote that the accounting rows follow (after the batch's own write). */
export interface AccountingChanges {
  /** Studies registered, derived (the derivative) or added to a dataset. */
  studies: readonly string[];
  /** Ledger sequences of the disclosures and of the onward transfers written. */
  disclosures: readonly number[];
  transfers: readonly number[];
}

/**
 * Keeps rm_accounting_rows (1764108500000-accounting-rows) in the batch's transaction: the
 * patients whose studies' families or dataset memberships the batch moved are written
 * again whole (so arrival order never matters), and the batch's events add their rows for
 * every other patient that holds their study.
 */
export async function keepAccountingRows(
  manager: EntityManager,
  changes: AccountingChanges,
): Promise<void> {
  let rewritten: string[] = [];
  if (changes.studies.length > 0) {
    const [{ patients }] = await manager.query<{ patients: string[] }[]>(
      RELEASE_ACCOUNTING_PATIENTS,
      [[...new Set(changes.studies)]],
    );
    rewritten = patients;
    if (rewritten.length > 0) await manager.query(WRITE_ACCOUNTING_PATIENTS, [rewritten]);
  }
  if (changes.disclosures.length + changes.transfers.length > 0) {
    await manager.query(ADD_ACCOUNTING_EVENTS, [changes.disclosures, changes.transfers, rewritten]);
  }
}
