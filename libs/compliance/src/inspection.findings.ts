import { inspectionFindings } from './disclosure.findings';
import type { ComplianceWorld, Finding, FindingCode } from './facts';
import { findingsOnStudies } from './findings-on-studies';

/** The codes a study's inspections decide, from its latest one alone (CONTRACT section 2). */
export const INSPECTION_CODES: readonly FindingCode[] = [
  'DEIDENTIFICATION_FAILED',
  'PATIENT_IDENTIFIABLE',
];

/**
 * Exactly the DEIDENTIFICATION_FAILED and PATIENT_IDENTIFIABLE findings `evaluateFindings`
 * gives for the world on the given studies, sorted the same way. They depend on each
 * disclosure, the study it carried (lineage, patient) and that study's latest inspection,
 * never on consents: a new inspection re-evaluates its study's disclosures without
 * asking each of them about every consent of the patient.
 */
export function evaluateInspectionFindings(
  world: ComplianceWorld,
  studies: ReadonlySet<string>,
): Finding[] {
  return findingsOnStudies(world, studies, (disclosure, uid, index) =>
    inspectionFindings(disclosure, index.study(uid), index.latestInspection(uid)),
  );
}
