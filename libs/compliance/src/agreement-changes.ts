import type { AgreementFact, Purpose } from './facts';

/**
 * Where a change of one agreement can move an agreement verdict (NO_AGREEMENT,
 * UNAUTHORIZED_ONWARD_TRANSFER) or its detail: the vendor's events of one side, with one of
 * the purposes (none given: any), at a time before `before` or at or after `since` (either
 * may be missing; neither: no time at all).
 * - `recipient`: disclosures to the vendor and transfers to it (the need: their purpose);
 * - `sender`: transfers from the vendor (the need: allowing onward transfer).
 */
export interface AgreementRegion {
  vendorId: string;
  side: 'recipient' | 'sender';
  purposes?: readonly Purpose[];
  before?: number;
  since?: number;
}

/** One signing of an agreement (rm_agreement_signings), the period resolved. */
export interface AgreementSigning extends Omit<AgreementFact, 'terminatedAt'> {
  eventTime: number;
  ledgerSequence: number;
}

export interface AgreementTermination {
  agreementId: string;
  terminatedAt: number;
  ledgerSequence: number;
}

/** Every event of the vendor, both sides. */
export function wholeVendor(vendorId: string): AgreementRegion[] {
  return [
    { vendorId, side: 'recipient', since: -Infinity },
    { vendorId, side: 'sender', since: -Infinity },
  ];
}

const later = (a: AgreementSigning, b: AgreementSigning): boolean =>
  a.eventTime > b.eventTime || (a.eventTime === b.eventTime && a.ledgerSequence > b.ledgerSequence);

/**
 * The agreement as the ledger up to `through` (a sequence) makes it: its latest signing by
 * (time, sequence), as rm_agreements keeps it, with its earliest termination; undefined
 * when not signed by then.
 */
export function agreementAt(
  signings: readonly AgreementSigning[],
  terminations: readonly AgreementTermination[],
  through: number,
): AgreementFact | undefined {
  let latest: AgreementSigning | undefined;
  for (const s of signings) {
    if (s.ledgerSequence <= through && (latest === undefined || later(s, latest))) latest = s;
  }
  if (latest === undefined) return undefined;
  let terminatedAt: number | undefined;
  for (const t of terminations) {
    if (
      t.ledgerSequence <= through &&
      (terminatedAt === undefined || t.terminatedAt < terminatedAt)
    )
      terminatedAt = t.terminatedAt;
  }
  const { eventTime: _time, ledgerSequence: _sequence, ...fact } = latest;
  return terminatedAt === undefined ? fact : { ...fact, terminatedAt };
}

const minOf = (values: readonly (number | undefined)[]): number | undefined => {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : Math.min(...defined);
};

/**
 * The times at which an agreement granting a need in both states `a` and `b` can serve it
 * or explain its gap differently (agreementInForce, and notInForceReason's text): before
 * the later effective start when the start moved; from the earlier of the two expiries
 * when the expiry moved, and from the earlier termination when that moved. Elsewhere the
 * two give the same answer and the same words.
 */
function changedTimes(
  a: AgreementFact,
  b: AgreementFact,
): Pick<AgreementRegion, 'before' | 'since'> | undefined {
  const before =
    a.effectiveFrom !== b.effectiveFrom ? Math.max(a.effectiveFrom, b.effectiveFrom) : undefined;
  const since = minOf([
    a.expiresAt !== b.expiresAt ? minOf([a.expiresAt, b.expiresAt]) : undefined,
    a.terminatedAt !== b.terminatedAt ? minOf([a.terminatedAt, b.terminatedAt]) : undefined,
  ]);
  if (before === undefined && since === undefined) return undefined;
  return {
    ...(before === undefined ? {} : { before }),
    ...(since === undefined ? {} : { since }),
  };
}

/**
 * Where the agreement going from state `a` to state `b` (undefined: not signed) can change
 * a verdict, all else kept. An agreement enters a verdict only through its vendor's events
 * and only as: serving the need (in force and granting it), explaining the gap (granting
 * it, with why it was not in force at the event's time), or by its id (when none of the
 * vendor's agreements grants the need). So: a new, removed or moved agreement, every event
 * of its vendors; a purpose granted in one state only, every event with that purpose
 * (whether any agreement grants it can change too); the onward rule changed, every transfer
 * from the vendor; for what both grant, the times where the two periods differ.
 */
export function regionsBetween(
  a: AgreementFact | undefined,
  b: AgreementFact | undefined,
): AgreementRegion[] {
  if (a === undefined && b === undefined) return [];
  if (a === undefined || b === undefined || a.vendorId !== b.vendorId) {
    return [...(a ? wholeVendor(a.vendorId) : []), ...(b ? wholeVendor(b.vendorId) : [])];
  }
  const vendorId = a.vendorId;
  const regions: AgreementRegion[] = [];
  const inB = new Set(b.permittedPurposes);
  const inA = new Set(a.permittedPurposes);
  const either = [
    ...a.permittedPurposes.filter((p) => !inB.has(p)),
    ...b.permittedPurposes.filter((p) => !inA.has(p)),
  ];
  if (either.length > 0)
    regions.push({ vendorId, side: 'recipient', purposes: either, since: -Infinity });
  const times = changedTimes(a, b);
  const both = a.permittedPurposes.filter((p) => inB.has(p));
  if (times && both.length > 0)
    regions.push({ vendorId, side: 'recipient', purposes: both, ...times });
  if (a.allowsOnwardTransfer !== b.allowsOnwardTransfer) {
    regions.push({ vendorId, side: 'sender', since: -Infinity });
  } else if (times && a.allowsOnwardTransfer) {
    regions.push({ vendorId, side: 'sender', ...times });
  }
  return regions;
}

/**
 * Where an agreement's signings and terminations recorded after `after` (a sequence) can
 * have changed verdicts: every step from the agreement as it stood at `after` through each
 * later signing or termination. Each step, not only the first and the last: a finding
 * evaluated meanwhile may rest on a state in between (signed again, then back).
 */
export function agreementChangeRegions(
  signings: readonly AgreementSigning[],
  terminations: readonly AgreementTermination[],
  after: number,
): AgreementRegion[] {
  // One pass in ledger order, keeping the latest signing and the earliest termination:
  // agreementAt at every step, without reading the whole history again per step (a
  // producer signing one agreement thousands of times would make that quadratic).
  type Step =
    { sequence: number; signing: AgreementSigning } | { sequence: number; terminatedAt: number };
  const records: Step[] = [
    ...signings.map((s) => ({ sequence: s.ledgerSequence, signing: s })),
    ...terminations.map((t) => ({ sequence: t.ledgerSequence, terminatedAt: t.terminatedAt })),
  ].sort((x, y) => x.sequence - y.sequence);
  let latest: AgreementSigning | undefined;
  let terminatedAt: number | undefined;
  const apply = (r: Step): void => {
    if ('signing' in r) {
      if (latest === undefined || later(r.signing, latest)) latest = r.signing;
    } else if (terminatedAt === undefined || r.terminatedAt < terminatedAt) {
      terminatedAt = r.terminatedAt;
    }
  };
  const current = (): AgreementFact | undefined => {
    if (latest === undefined) return undefined;
    const { eventTime: _time, ledgerSequence: _sequence, ...fact } = latest;
    return terminatedAt === undefined ? fact : { ...fact, terminatedAt };
  };
  let i = 0;
  for (; i < records.length && records[i].sequence <= after; i++) apply(records[i]);
  const regions: AgreementRegion[] = [];
  let state = current();
  while (i < records.length) {
    const step = records[i].sequence;
    for (; i < records.length && records[i].sequence === step; i++) apply(records[i]);
    const next = current();
    regions.push(...regionsBetween(state, next));
    state = next;
  }
  return regions;
}

/** Regions kept per vendor and side before they become the whole side (coalesceRegions). */
export const REGIONS_PER_SIDE = 8;

/**
 * The same events in fewer regions, each one read as index ranges by the candidate
 * statements: per vendor and side, a region holding every time and purpose replaces the
 * others, repeated regions count once, and more than `limit` become the whole side. A
 * round that meets many signings of one agreement (a producer re-signing it in a loop)
 * then reads each vendor's events once or twice, not once per step.
 */
export function coalesceRegions(
  regions: readonly AgreementRegion[],
  limit = REGIONS_PER_SIDE,
): AgreementRegion[] {
  const bySide = new Map<string, Map<string, AgreementRegion>>();
  for (const r of regions) {
    const side = JSON.stringify([r.vendorId, r.side]);
    const kept = bySide.get(side) ?? new Map<string, AgreementRegion>();
    bySide.set(side, kept);
    const key = JSON.stringify([
      r.purposes === undefined ? null : [...r.purposes].sort(),
      r.before ?? null,
      r.since === -Infinity ? '-infinity' : (r.since ?? null),
    ]);
    kept.set(key, r);
  }
  const coalesced: AgreementRegion[] = [];
  for (const kept of bySide.values()) {
    const all = [...kept.values()];
    const { vendorId, side } = all[0];
    const whole = all.some((r) => r.purposes === undefined && r.since === -Infinity);
    coalesced.push(...(whole || all.length > limit ? [{ vendorId, side, since: -Infinity }] : all));
  }
  return coalesced;
}
