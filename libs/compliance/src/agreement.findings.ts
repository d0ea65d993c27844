import { ComplianceIndex } from './compliance.index';
import { agreementFinding } from './disclosure.findings';
import type { ComplianceWorld, Finding, FindingCode } from './facts';
import type { FindingIssue } from './finding-detail';
import { compareFindings } from './finding-order';
import { findingsForTransfer, transferAgreementIssue } from './transfer.findings';

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

/** One event's agreement question: its code, and the issue it has (none: no finding). */
export interface AgreementVerdict {
  ledgerSequence: number;
  code: FindingCode;
  issue: FindingIssue | undefined;
}

/**
 * The agreement verdict of each disclosure and transfer of the world, from its vendors'
 * agreements alone: whether it has its NO_AGREEMENT or UNAUTHORIZED_ONWARD_TRANSFER, and
 * with which detail. Every study it carried shares both, so an event whose verdict and
 * detail are unchanged keeps its stored findings as they are, and only one that gains a
 * finding needs its datasets' members (evaluateAgreementFindings).
 */
export function agreementVerdicts(
  world: Pick<ComplianceWorld, 'agreements' | 'disclosures' | 'transfers'>,
): AgreementVerdict[] {
  const index = new ComplianceIndex({
    studies: [],
    consents: [],
    datasetMembers: [],
    deletions: [],
    ...world,
  });
  const verdicts: AgreementVerdict[] = [];
  for (const disclosure of world.disclosures) {
    verdicts.push({
      ledgerSequence: disclosure.ledgerSequence,
      code: 'NO_AGREEMENT',
      issue: agreementFinding(disclosure, index),
    });
  }
  for (const transfer of world.transfers) {
    verdicts.push({
      ledgerSequence: transfer.ledgerSequence,
      code: 'UNAUTHORIZED_ONWARD_TRANSFER',
      issue: transferAgreementIssue(transfer, index),
    });
  }
  return verdicts;
}
