import type { ComplianceIndex } from './compliance.index';
import { consentInForce } from './consent.rules';
import type { ConsentFact, DisclosureFact } from './facts';
import { formatInstant, formatList, plural, type FindingIssue } from './finding-detail';
import { compareStrings } from './finding-order';

/**
 * The vendors holding a study through one disclosure: the recipient (from t) and every
 * vendor reached from it by a chain of onward transfers of that study, each hop strictly
 * after t and after the hop that brought the study to its sender. Maps each holder to the
 * earliest time it held the study this way.
 */
export function holdersAfter(
  studyInstanceUid: string,
  recipientVendorId: string,
  t: number,
  index: ComplianceIndex,
): Map<string, number> {
  const heldSince = new Map([[recipientVendorId, t]]);
  // Transfers come in time order, so a sender's earliest holding time is final when its
  // transfers are reached; a hop at the same instant as the one before it does not chain.
  for (const transfer of index.transfersCarrying(studyInstanceUid)) {
    const senderSince = heldSince.get(transfer.fromVendorId);
    if (senderSince === undefined || transfer.at <= senderSince) continue;
    const known = heldSince.get(transfer.toVendorId);
    if (known === undefined || transfer.at < known) heldSince.set(transfer.toVendorId, transfer.at);
  }
  return heldSince;
}

/**
 * RETAINED_AFTER_REVOCATION: the covering PERMIT consents in force at t (those the
 * disclosure relied on; at least one) were all revoked later, and a holder has attested
 * no deletion of the study (or of a dataset holding it then) strictly after the last of
 * those revocations.
 */
export function retentionFinding(
  disclosure: DisclosureFact,
  studyInstanceUid: string,
  coveringPermits: readonly ConsentFact[],
  index: ComplianceIndex,
): FindingIssue | undefined {
  return retentionOfReliedOn(
    disclosure,
    studyInstanceUid,
    coveringPermits.filter((c) => consentInForce(c, disclosure.at)),
    index,
  );
}

/** RETAINED_AFTER_REVOCATION given the covering PERMITs in force at the disclosure's time. */
export function retentionOfReliedOn(
  disclosure: DisclosureFact,
  studyInstanceUid: string,
  reliedOn: readonly ConsentFact[],
  index: ComplianceIndex,
): FindingIssue | undefined {
  if (reliedOn.length === 0) return undefined;
  let lastRevocation = -Infinity;
  for (const consent of reliedOn) {
    if (consent.revokedAt === undefined) return undefined;
    lastRevocation = Math.max(lastRevocation, consent.revokedAt);
  }
  const holders = holdersAfter(
    studyInstanceUid,
    disclosure.recipientVendorId,
    disclosure.at,
    index,
  );
  const deletions = index.lastDeletionByVendor(studyInstanceUid);
  const retaining = [...holders.keys()]
    .filter((vendorId) => !((deletions.get(vendorId) ?? -Infinity) > lastRevocation))
    .sort(compareStrings);
  if (retaining.length === 0) return undefined;
  const ids = [...new Set(reliedOn.map((c) => c.consentId))].sort(compareStrings);
  const revocation =
    ids.length === 1
      ? `Consent ${ids[0]}, relied on by this disclosure, was revoked on`
      : `Consents ${formatList(ids)}, relied on by this disclosure, were all revoked, the last on`;
  const named = retaining.map((vendorId) =>
    vendorId === disclosure.recipientVendorId ? `${vendorId} (recipient)` : `${vendorId} (onward)`,
  );
  return {
    code: 'RETAINED_AFTER_REVOCATION',
    detail:
      `${revocation} ${formatInstant(lastRevocation)}; no deletion attested after that by ` +
      `${plural(named.length, 'holder', 'holders')} ${formatList(named)}.`,
  };
}
