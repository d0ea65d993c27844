import { ComplianceIndex } from './compliance.index';
import { findingsForDisclosure } from './disclosure.findings';
import type { ComplianceWorld, Finding } from './facts';
import { compareFindings } from './finding-order';
import { findingsForTransfer } from './transfer.findings';

/**
 * Every finding for every (disclosure or transfer, study) pair in the world, sorted by
 * (ledgerSequence, studyInstanceUid, code). Depends only on the set of facts: the order
 * of the arrays never changes the result.
 */
export function evaluateFindings(world: ComplianceWorld): Finding[] {
  const index = new ComplianceIndex(world);
  const findings: Finding[] = [];
  // push one by one: a dataset of thousands of studies would overflow a spread's arguments
  for (const disclosure of world.disclosures) {
    for (const finding of findingsForDisclosure(disclosure, index)) findings.push(finding);
  }
  for (const transfer of world.transfers) {
    for (const finding of findingsForTransfer(transfer, index)) findings.push(finding);
  }
  return findings.sort(compareFindings);
}
