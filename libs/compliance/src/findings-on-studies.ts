import { ComplianceIndex } from './compliance.index';
import { findingOn } from './disclosure.findings';
import type { ComplianceWorld, DisclosureFact, Finding } from './facts';
import type { FindingIssue } from './finding-detail';
import { compareFindings } from './finding-order';

/**
 * The findings `issuesOf` gives for each disclosure of the world and each study it carried
 * among `studies`, sorted as evaluateFindings sorts them: the shape of every evaluation of
 * a few codes on a few studies (evaluateInspectionFindings, evaluateConsentFindings), each
 * asking only what its codes need.
 */
export function findingsOnStudies(
  world: ComplianceWorld,
  studies: ReadonlySet<string>,
  issuesOf: (
    disclosure: DisclosureFact,
    uid: string,
    index: ComplianceIndex,
  ) => Iterable<FindingIssue>,
): Finding[] {
  const index = new ComplianceIndex(world);
  const findings: Finding[] = [];
  for (const disclosure of world.disclosures) {
    for (const uid of index.studiesCarried(disclosure.target, disclosure.at)) {
      if (!studies.has(uid)) continue;
      for (const issue of issuesOf(disclosure, uid, index)) {
        findings.push(findingOn(disclosure, uid, issue));
      }
    }
  }
  return findings.sort(compareFindings);
}
