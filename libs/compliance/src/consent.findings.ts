import { consentFindings } from './disclosure.findings';
import type { ComplianceWorld, Finding, FindingCode } from './facts';
import { findingsOnStudies } from './findings-on-studies';

/**
 * The codes consents decide (CONTRACT section 2): a consent recorded, recorded again or
 * revoked can move these, and only on the disclosures it covers (its patient's, for one of
 * its purposes, to one of its recipients, under a basis it concerns).
 */
export const CONSENT_CODES: readonly FindingCode[] = [
  'NO_CONSENT',
  'CONSENT_REVOKED',
  'CONSENT_EXPIRED',
  'PATIENT_OBJECTED',
  'RETAINED_AFTER_REVOCATION',
];

/**
 * Exactly the CONSENT_CODES findings `evaluateFindings` gives for the world on the given
 * studies, sorted the same way: each disclosure asked about its covering consents alone,
 * without its agreements or the study's de-identification and inspections.
 */
export function evaluateConsentFindings(
  world: ComplianceWorld,
  studies: ReadonlySet<string>,
): Finding[] {
  return findingsOnStudies(world, studies, (disclosure, uid, index) =>
    consentFindings(disclosure, index.study(uid), index),
  );
}
