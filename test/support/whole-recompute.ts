import { evaluateFindings } from '@scantrail/compliance';
import { loadWorld } from '@scantrail/projection';
import type { DataSource } from 'typeorm';

/** A finding as rm_findings stores it (the columns the tests compare). */
export interface StoredFindingRow {
  event_id: string;
  study_uid: string;
  code: string;
  vendor_id: string;
  detail: string;
}

/**
 * Every finding of the database evaluated whole, from scratch, by the pure rules over the
 * world of every study its read models name (registered, derived, dataset members, the
 * targets of disclosures and transfers): what the incremental findings must equal. Unsorted.
 */
export async function wholeRecompute(dataSource: DataSource): Promise<StoredFindingRow[]> {
  const uids = await dataSource.query<{ uid: string }[]>(
    `SELECT study_uid AS uid FROM rm_studies UNION SELECT derived_uid FROM rm_derivations
     UNION SELECT study_uid FROM rm_dataset_members
     UNION SELECT target_study_uid FROM rm_disclosures WHERE target_study_uid IS NOT NULL
     UNION SELECT target_study_uid FROM rm_transfers WHERE target_study_uid IS NOT NULL`,
  );
  const world = await dataSource.transaction((m) =>
    loadWorld(
      m,
      uids.map((u) => u.uid),
    ),
  );
  return evaluateFindings(world).map((f) => ({
    event_id: f.eventId,
    study_uid: f.studyInstanceUid,
    code: f.code,
    vendor_id: f.vendorId,
    detail: f.detail,
  }));
}
