import {
  ADD_ACCOUNTING_EVENTS,
  ADD_ACCOUNTING_MEMBERS,
  RELEASE_ACCOUNTING_STUDIES,
  WRITE_ACCOUNTING_STUDIES,
} from '@scantrail/storage';
import type { EntityManager } from 'typeorm';

/** What a batch wrote that the accounting rows follow (after the batch's own write). */
export interface AccountingChanges {
  /** Studies registered or derived (the derivative). */
  studies: readonly string[];
  /** Dataset members written (their (dataset, study) keys). */
  members: readonly { dataset_id: string; study_uid: string }[];
  /** Ledger sequences of the disclosures and of the onward transfers written. */
  disclosures: readonly number[];
  transfers: readonly number[];
}

/**
 * Keeps rm_accounting_rows (1764108500000-accounting-rows) in the batch's transaction: the
 * rows of the studies whose families the batch moved (registrations, derivations) are
 * written again for every patient (so arrival order never matters), the batch's events add
 * their rows for the other studies they carried, and its dataset members add the rows of
 * their datasets' events (a member only ever adds rows: its added_at only moves earlier).
 */
export async function keepAccountingRows(
  manager: EntityManager,
  changes: AccountingChanges,
): Promise<void> {
  let rewritten: string[] = [];
  if (changes.studies.length > 0) {
    const [{ studies }] = await manager.query<{ studies: string[] }[]>(RELEASE_ACCOUNTING_STUDIES, [
      [...new Set(changes.studies)],
    ]);
    rewritten = studies;
    if (rewritten.length > 0) await manager.query(WRITE_ACCOUNTING_STUDIES, [rewritten]);
  }
  if (changes.disclosures.length + changes.transfers.length > 0) {
    await manager.query(ADD_ACCOUNTING_EVENTS, [changes.disclosures, changes.transfers, rewritten]);
  }
  // After the events' rows: the same (patient, event, study) from both is skipped here.
  if (changes.members.length > 0) {
    await manager.query(ADD_ACCOUNTING_MEMBERS, [
      changes.members.map((m) => m.dataset_id),
      changes.members.map((m) => m.study_uid),
      rewritten,
    ]);
  }
}
