import type { LeafFields } from '@scantrail/ledger';
import { handleEntry, type EntryOutput } from '../lineage/lineage-handlers';

/** What some entries touched; each kind widens to the studies whose findings may change. */
export interface FindingSeeds {
  studies: Set<string>;
  datasets: Set<string>;
  /** Vendors that signed an agreement: only their events' agreement findings can change. */
  vendors: Set<string>;
  /**
   * Consents recorded or revoked: only the consent findings of the disclosures one of their
   * recordings can cover can change (refreshConsentFindings), not every finding of their
   * patients' studies.
   */
  consents: Set<string>;
  /**
   * Studies with a new inspection: only their own inspection findings can change
   * (refreshInspectionFindings), not every finding of their families.
   */
  inspected: Set<string>;
  /**
   * Signed and terminated agreements: likewise, for every vendor they were signed for (one
   * signed again under another vendor moves the earlier vendor's findings too).
   */
  agreements: Set<string>;
  /**
   * Targets of new disclosures, transfers and deletions. These cannot change the findings
   * of other disclosures, except RETAINED_AFTER_REVOCATION of earlier patient-authorized
   * ones (transfers and deletions): only those, and the new events themselves, are
   * re-evaluated for these studies.
   */
  carried: {
    studies: Set<string>;
    datasets: Set<string>;
    events: Set<number>;
    /** Datasets that gained members: their disclosures and transfers may carry more studies. */
    eventsOfDatasets: Set<string>;
    /**
     * Of those targets, the ones whose patient-authorized disclosures' retention can change:
     * of transfers and deletions, and new dataset members. A disclosure changes no other
     * disclosure's findings: its target is not here, so the other disclosures of its study
     * are not read again (a study disclosed thousands of times cost a round each time).
     */
    retention: { studies: Set<string>; datasets: Set<string> };
  };
}

export function emptySeeds(): FindingSeeds {
  return {
    studies: new Set(),
    datasets: new Set(),
    vendors: new Set(),
    consents: new Set(),
    inspected: new Set(),
    agreements: new Set(),
    carried: {
      studies: new Set(),
      datasets: new Set(),
      events: new Set(),
      eventsOfDatasets: new Set(),
      retention: { studies: new Set(), datasets: new Set() },
    },
  };
}

/** Rows are the projection's business: seeds only need each handler's `seeds` part. */
const ignoreRow: EntryOutput['row'] = () => undefined;

/**
 * The seeds of some entries, in any order and any grouping: the union of what each entry's
 * projection handler names (lineage-handlers.ts), so the findings worker sees exactly what
 * the projection would have handed an inline refresh, and entries coalesced from many
 * ingest batches need one refresh, not one each.
 */
export function findingSeedsOf(
  entries: Iterable<LeafFields>,
  seeds: FindingSeeds = emptySeeds(),
): FindingSeeds {
  const out: EntryOutput = { row: ignoreRow, seeds };
  for (const e of entries) {
    handleEntry(e, out, 'findings');
  }
  return seeds;
}
