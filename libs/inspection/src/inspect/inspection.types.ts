import type { DicomJsonDataset } from '../dicom-json/dicom-json.types';

/** The inspector of this library, as `tool` of the events it makes. Bump the version when what
 * a rule reports changes, so a re-inspection with new rules is recorded as a new inspection. */
export const INSPECTOR_TOOL = { name: 'scantrail-inspect', version: '1.1.0' } as const;

/**
 * The issue codes this inspector reports, in the order it lists them: those of CONTRACT
 * section 1 (what a reader of the files saw), then its own (the contract lets an inspector add
 * codes): PATIENT_IDENTITY_ELSEWHERE, the original's patient name or ID found in another
 * attribute of the copy (patient-identity-elsewhere.ts).
 */
export const INSPECTION_ISSUE_CODES = [
  'IDENTIFYING_ATTRIBUTE_PRESENT',
  'ORIGINAL_VALUE_RETAINED',
  'IDENTITY_REMOVED_NOT_MARKED',
  'BURNED_IN_ANNOTATION',
  'PRIVATE_ATTRIBUTES_RETAINED',
  'FACE_RECONSTRUCTABLE',
  'PATIENT_IDENTITY_ELSEWHERE',
] as const;
export type InspectionIssueCode = (typeof INSPECTION_ISSUE_CODES)[number];

export interface InspectionIssue {
  code: InspectionIssueCode;
  /** How many of the inspected instances show it (1 .. instances). */
  instances: number;
  /** DICOM keyword of the attribute, when the issue is about one attribute. */
  keyword?: string;
  /** `GGGG,EEEE` upper case, when the issue is about one attribute. */
  tag?: string;
}

/** A patient identifier read from the files, in clear: pseudonymize before it leaves memory. */
export interface FoundPatientIdentifier {
  system?: string;
  value: string;
}

export interface StudyInspectionInput {
  /** The instances of one study (the copy being checked), in the DICOM JSON model. */
  instances: readonly DicomJsonDataset[];
  /** The original study's instances, when at hand: enables ORIGINAL_VALUE_RETAINED and PATIENT_IDENTITY_ELSEWHERE. */
  originalInstances?: readonly DicomJsonDataset[];
  /** Method codes declared elsewhere (e.g. the `study.deidentified` event), added to those found. */
  methodCodesDeclared?: readonly string[];
}

export interface StudyInspection {
  studyInstanceUid: string | undefined;
  instances: number;
  result: 'PASS' | 'FAIL';
  /** Empty exactly when `result` is PASS. */
  issues: InspectionIssue[];
  /** CID 7050 codes of (0012,0064) in the files, sorted. */
  methodCodesFound: string[];
  /** (0010,0020)/(0010,0021) and each (0010,1002) item; clear values, see FoundPatientIdentifier. */
  patientIdentifiersFound: FoundPatientIdentifier[];
}
