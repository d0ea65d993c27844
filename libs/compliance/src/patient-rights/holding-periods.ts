// Receipts and holding periods (CONTRACT.md section 3.1): who held which study when.
import { compareStrings } from '../finding-order';
import type { DatasetMemberFact, TargetRef } from '../facts';

/** A receipt or an attestation of one study by one vendor. */
export interface VendorStudyEvent {
  vendorId: string;
  studyInstanceUid: string;
  at: number;
  eventId: string;
}

/** [start, end): end undefined = still held. Never empty. */
export interface HoldingPeriod {
  vendorId: string;
  studyInstanceUid: string;
  start: number;
  end?: number;
}

/**
 * Dataset members keyed for "the studies a target carries at t": each (dataset, study)
 * counts from its earliest addition.
 */
export class DatasetMembership {
  private readonly byDataset = new Map<string, { uid: string; addedAt: number }[]>();

  constructor(members: readonly DatasetMemberFact[]) {
    const earliest = new Map<string, Map<string, number>>();
    for (const member of members) {
      let ofDataset = earliest.get(member.datasetId);
      if (ofDataset === undefined) {
        ofDataset = new Map();
        earliest.set(member.datasetId, ofDataset);
      }
      const known = ofDataset.get(member.studyInstanceUid);
      if (known === undefined || member.addedAt < known) {
        ofDataset.set(member.studyInstanceUid, member.addedAt);
      }
    }
    for (const [datasetId, ofDataset] of earliest) {
      const sorted = [...ofDataset].map(([uid, addedAt]) => ({ uid, addedAt }));
      sorted.sort((a, b) => a.addedAt - b.addedAt || compareStrings(a.uid, b.uid));
      this.byDataset.set(datasetId, sorted);
    }
  }

  /** The study a study target names, or the members a dataset held at t. */
  carried(target: TargetRef, at: number): string[] {
    if (target.studyInstanceUid !== undefined) return [target.studyInstanceUid];
    if (target.datasetId === undefined) return [];
    const uids: string[] = [];
    for (const member of this.byDataset.get(target.datasetId) ?? []) {
      if (member.addedAt > at) break;
      uids.push(member.uid);
    }
    return uids;
  }
}

/**
 * The holding periods of one (vendor, study): each receipt at r runs to the earliest
 * covering attestation at d >= r (none: open) and is dropped when d = r.
 */
export function holdingPeriods(
  receipts: readonly VendorStudyEvent[],
  attestations: readonly VendorStudyEvent[],
): HoldingPeriod[] {
  const ends = attestations.map((a) => a.at).sort((a, b) => a - b);
  const periods: HoldingPeriod[] = [];
  for (const receipt of receipts) {
    const end = ends.find((d) => d >= receipt.at);
    if (end === receipt.at) continue;
    const period: HoldingPeriod = {
      vendorId: receipt.vendorId,
      studyInstanceUid: receipt.studyInstanceUid,
      start: receipt.at,
    };
    if (end !== undefined) period.end = end;
    periods.push(period);
  }
  return periods.sort((a, b) => a.start - b.start);
}

/** The period containing t with the latest start (all such periods share their end). */
export function periodHolding(
  periods: readonly HoldingPeriod[],
  at: number,
): HoldingPeriod | undefined {
  let holding: HoldingPeriod | undefined;
  for (const period of periods) {
    if (period.start <= at && (period.end === undefined || at < period.end)) {
      if (holding === undefined || period.start > holding.start) holding = period;
    }
  }
  return holding;
}
