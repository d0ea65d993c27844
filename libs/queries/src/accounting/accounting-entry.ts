// Pure rules of an accounting entry (CONTRACT.md section 3, 45 CFR 164.528).
import {
  identifiesPatient,
  type FindingCode,
  type FoundIdentifier,
  type PatientKey,
} from '@scantrail/compliance';

/** The findings that mean an authorization did not hold. */
const FAILED_AUTHORIZATION: readonly string[] = [
  'NO_CONSENT',
  'CONSENT_REVOKED',
  'CONSENT_EXPIRED',
] satisfies FindingCode[];
/** v1.1: the findings that mean a copy called de-identified was not. */
const FAILED_DEIDENTIFICATION: readonly string[] = [
  'NOT_DEIDENTIFIED',
  'DEIDENTIFICATION_FAILED',
  'PATIENT_IDENTIFIABLE',
] satisfies FindingCode[];
/** DICOM CID 7050 "Basic Application Confidentiality Profile". */
const BASIC_PROFILE = '113100';

/**
 * Whether 164.528(a)(1) or the nature of the data excuses a disclosure from the required
 * accounting: treatment, operations and limited data sets always; an authorization only
 * if it held; a de-identified disclosure only if the copy really was de-identified.
 * IRB waivers, disclosures required by law and unknown bases must be accounted for.
 */
export function isExemptDisclosure(legalBasis: string, findingCodes: readonly string[]): boolean {
  switch (legalBasis) {
    case 'TREATMENT':
    case 'HEALTHCARE_OPERATIONS':
    case 'LIMITED_DATA_SET':
      return true;
    case 'PATIENT_AUTHORIZATION':
      return !findingCodes.some((code) => FAILED_AUTHORIZATION.includes(code));
    case 'DEIDENTIFIED':
      return !findingCodes.some((code) => FAILED_DEIDENTIFICATION.includes(code));
    default:
      return false;
  }
}

/** The latest inspection of a study, as the accounting needs it. */
export interface LatestInspection {
  result: 'PASS' | 'FAIL';
  patientIdentifiersFound: readonly FoundIdentifier[];
}

/**
 * An onward transfer is exempt only when it carried a properly de-identified derivative
 * (CONTRACT section 2): code 113100, and its latest inspection, if any, PASS without an
 * identifier of its patient.
 */
export function isExemptTransfer(
  isDerivative: boolean,
  methodCodes: readonly string[],
  latest?: LatestInspection | null,
  patient?: PatientKey,
): boolean {
  if (!isDerivative || !methodCodes.includes(BASIC_PROFILE)) return false;
  if (!latest) return true;
  if (latest.result !== 'PASS') return false;
  return !(patient && latest.patientIdentifiersFound.some((f) => identifiesPatient(f, patient)));
}

export interface DisclosedStudy {
  modality: string | null;
  bodyPart: string | null;
  studyDate: string | null;
  isDerivative: boolean;
  /** Set when the study went out as a member of a dataset. */
  datasetName: string | null;
}

/** "CT CHEST imaging study of 2024-03-01", or "De-identified copy of a ..." for a derivative. */
function describeStudy(study: DisclosedStudy): string {
  const kind = [study.modality, study.bodyPart].filter((p) => p !== null && p !== '').join(' ');
  const what = kind === '' ? 'imaging study' : `${kind} imaging study`;
  const when = study.studyDate ? ` of ${study.studyDate}` : '';
  return study.isDerivative
    ? `De-identified copy of a ${what}${when}`
    : `${what.charAt(0).toUpperCase()}${what.slice(1)}${when}`;
}

/**
 * A readable sentence of what was disclosed, built only from the study's facts and the
 * dataset's name: never the patient identifier (the entry is sent to the patient, but a
 * leaked report must not name them).
 */
export function describeDisclosure(study: DisclosedStudy): string {
  const dataset = study.datasetName === null ? '' : `, as part of dataset "${study.datasetName}"`;
  return `${describeStudy(study)}${dataset}`;
}

/** The same for an onward transfer, naming the sending vendor. */
export function describeTransfer(study: DisclosedStudy, senderName: string): string {
  return `${describeDisclosure(study)}, passed on by ${senderName} (onward transfer)`;
}
