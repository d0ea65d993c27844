import type { AgreementFact, Purpose } from './facts';
import { formatInstant } from './finding-detail';
import { compareStrings } from './finding-order';

/** effectiveFrom <= t <= expiresAt (open without one), and not terminated at or before t. */
export function agreementInForce(agreement: AgreementFact, t: number): boolean {
  return (
    agreement.effectiveFrom <= t &&
    (agreement.expiresAt === undefined || t <= agreement.expiresAt) &&
    (agreement.terminatedAt === undefined || t < agreement.terminatedAt)
  );
}

export function agreementPermits(agreement: AgreementFact, purpose: Purpose): boolean {
  return agreement.permittedPurposes.includes(purpose);
}

/** What an agreement must grant to serve a disclosure or one side of a transfer. */
export interface AgreementNeed {
  /** Shown to the auditor, e.g. "permitting RESEARCH". */
  description: string;
  grants: (agreement: AgreementFact) => boolean;
}

export function permitsPurpose(purpose: Purpose): AgreementNeed {
  return {
    description: `permitting ${purpose}`,
    grants: (agreement) => agreementPermits(agreement, purpose),
  };
}

export const ALLOWS_ONWARD_TRANSFER: AgreementNeed = {
  description: 'allowing onward transfer',
  grants: (agreement) => agreement.allowsOnwardTransfer,
};

/** Whether one of the vendor's agreements is in force at t and grants the need. */
export function hasAgreementFor(
  agreements: readonly AgreementFact[],
  t: number,
  need: AgreementNeed,
): boolean {
  return agreements.some((a) => agreementInForce(a, t) && need.grants(a));
}

/**
 * Why no agreement served, for the auditor: each agreement that would have granted the
 * need but was not in force at t, or else that none grants it at all.
 */
export function explainAgreementGap(
  agreements: readonly AgreementFact[],
  t: number,
  need: AgreementNeed,
): string {
  const granting = agreements.filter((a) => need.grants(a));
  if (granting.length > 0) {
    return [...granting]
      .sort((a, b) => compareStrings(a.agreementId, b.agreementId))
      .map((a) => `agreement ${a.agreementId} ${notInForceReason(a, t)}`)
      .join('; ');
  }
  if (agreements.length === 0) return 'no agreement with it is on record';
  const ids = [...new Set(agreements.map((a) => a.agreementId))].sort(compareStrings);
  return `its agreements (${ids.join(', ')}) do not grant this`;
}

function notInForceReason(agreement: AgreementFact, t: number): string {
  if (t < agreement.effectiveFrom) {
    return `takes effect only on ${formatInstant(agreement.effectiveFrom)}`;
  }
  const { terminatedAt, expiresAt } = agreement;
  const terminated = terminatedAt !== undefined && terminatedAt <= t;
  const expired = expiresAt !== undefined && expiresAt < t;
  if (terminated && (!expired || terminatedAt <= expiresAt)) {
    return `was terminated on ${formatInstant(terminatedAt)}`;
  }
  if (expired) return `expired on ${formatInstant(expiresAt)}`;
  return 'was in force';
}
