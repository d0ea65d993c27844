import { BASIC_PROFILE_CODE } from '../disclosure.findings';
import type { ResolvedStudy } from '../study-lineage';
import type { FoundIdentifier, InspectionFact } from '../facts';

/** The patient of a derivative as PATIENT_IDENTIFIABLE matches it: system and pseudonym. */
export interface PatientKey {
  system?: string;
  value: string;
  /** Pseudonym of the value alone, which an issuer-less found identifier carries. */
  valuePseudonym?: string;
}

/** Latest `time`; ties: the later ledger sequence (CONTRACT.md section 2). */
export function latestInspection(
  inspections: readonly InspectionFact[],
): InspectionFact | undefined {
  let latest: InspectionFact | undefined;
  for (const inspection of inspections) {
    if (
      latest === undefined ||
      inspection.at > latest.at ||
      (inspection.at === latest.at && inspection.ledgerSequence > latest.ledgerSequence)
    ) {
      latest = inspection;
    }
  }
  return latest;
}

/** Same system and value; a found identifier without system matches on value alone. */
export function identifiesPatient(found: FoundIdentifier, patient: PatientKey): boolean {
  if (found.system !== undefined) {
    return found.system === patient.system && found.value === patient.value;
  }
  return (
    found.value === patient.value ||
    (patient.valuePseudonym !== undefined && found.value === patient.valuePseudonym)
  );
}

/**
 * CONTRACT.md section 2: a derivative whose own method codes carry 113100, and whose latest
 * inspection, if any, is PASS and found no identifier of its patient.
 */
export function isProperlyDeidentified(
  study: ResolvedStudy,
  inspections: readonly InspectionFact[],
  patient: PatientKey | undefined,
): boolean {
  if (!study.isDerivative || !study.methodCodes.includes(BASIC_PROFILE_CODE)) return false;
  const latest = latestInspection(inspections);
  if (latest === undefined) return true;
  if (latest.result !== 'PASS') return false;
  if (patient === undefined) return true;
  return !(latest.patientIdentifiersFound ?? []).some((found) => identifiesPatient(found, patient));
}
