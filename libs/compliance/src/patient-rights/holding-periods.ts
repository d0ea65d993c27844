// Receipts and holding periods (CONTRACT.md section 3.1): who held which study when.

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
