import { ComplianceIndex } from './compliance.index';
import { agreementFinding } from './disclosure.findings';
import type { ComplianceWorld, Finding, FindingCode } from './facts';
import { compareFindings } from './finding-order';
import { findingsForTransfer } from './transfer.findings';

/** The codes an agreement (signed, re-signed or terminated) can change, and nothing else can. */
export const AGREEMENT_CODES: readonly FindingCode[] = [
  'NO_AGREEMENT',
  'UNAUTHORIZED_ONWARD_TRANSFER',
];

/**
 * Exactly the NO_AGREEMENT and UNAUTHORIZED_ONWARD_TRANSFER findings `evaluateFindings`
 * gives for the world, sorted the same way. They depend only on the events, their vendors'
 * agreements and the datasets' members, so a world of those alone is enough: the findings
 * worker re-evaluates a vendor's agreement findings without loading its whole history.
 */
export function evaluateAgreementFindings(world: ComplianceWorld): Finding[] {
  const index = new ComplianceIndex(world);
  const findings: Finding[] = [];
  for (const disclosure of world.disclosures) {
    const issue = agreementFinding(disclosure, index);
    if (issue === undefined) continue;
    for (const uid of index.studiesCarried(disclosure.target, disclosure.at)) {
      findings.push({
        code: issue.code,
        studyInstanceUid: uid,
        vendorId: disclosure.recipientVendorId,
        eventId: disclosure.eventId,
        ledgerSequence: disclosure.ledgerSequence,
        occurredAt: disclosure.at,
        detail: issue.detail,
      });
    }
  }
  for (const transfer of world.transfers) {
    for (const finding of findingsForTransfer(transfer, index)) findings.push(finding);
  }
  return findings.sort(compareFindings);
}
