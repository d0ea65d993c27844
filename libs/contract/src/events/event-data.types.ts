// The `data` of each event type, field for field as CONTRACT.md section 1 names them.
// Dates typed `DateOrDateTime` hold an RFC 3339 date-time or a YYYY-MM-DD date, as sent.
import type {
  AgreementKind,
  ConsentDecision,
  InspectionResult,
  LegalBasis,
  ModelUsage,
  Purpose,
  VendorRole,
} from './event-types';

/** RFC 3339 date-time, or YYYY-MM-DD (see periodStart / periodEnd). */
export type DateOrDateTime = string;

/** FHIR Identifier style; `value` is replaced by a pseudonym before storage. */
export interface PatientIdentifier {
  system: string;
  value: string;
}

/** Exactly one of a study or a dataset. */
export type Target =
  | { studyInstanceUid: string; datasetId?: undefined }
  | { datasetId: string; studyInstanceUid?: undefined };

export interface VendorRegistered {
  vendorId: string;
  name: string;
  address?: string;
  country?: string;
  role: VendorRole;
  parentVendorId?: string;
}

export interface AgreementSigned {
  agreementId: string;
  vendorId: string;
  kind: AgreementKind;
  permittedPurposes: Purpose[];
  effectiveFrom: DateOrDateTime;
  expiresAt?: DateOrDateTime;
  allowsOnwardTransfer: boolean;
}

export interface AgreementTerminated {
  agreementId: string;
  reason?: string;
}

export interface StudyRegistered {
  studyInstanceUid: string;
  patient: PatientIdentifier;
  accessionNumber?: string;
  /** DICOM Modality (CS), e.g. CT, MR, CR, MG. */
  modality: string;
  /** DICOM Body Part Examined (CS), e.g. HEAD, BRAIN, CHEST. */
  bodyPart: string;
  /** YYYY-MM-DD */
  studyDate: string;
  facility: string;
  description?: string;
  /**
   * Set by the ingest (a value sent is replaced): the keyed pseudonym of the patient's
   * identifier value alone, so that an inspection that found the value without an issuer can
   * be matched (PATIENT_IDENTIFIABLE) once values are pseudonyms.
   */
  patientValuePseudonym?: string;
}

export interface DeidentificationTool {
  name: string;
  version: string;
}

/** v1.1: what a reader of a study's DICOM files saw (CONTRACT section 1). */
export interface InspectionIssue {
  code: string;
  /** Instances showing it: 1 .. the inspection's `instances`. */
  instances: number;
  keyword?: string;
  /** `GGGG,EEEE`, upper case. */
  tag?: string;
}

/** A patient identifier found in the files; `system` absent when the files carry no issuer. */
export interface FoundPatientIdentifier {
  system?: string;
  value: string;
}

export interface DeidentificationInspected {
  inspectionId: string;
  /** The study whose files were read, normally a derivative. */
  studyInstanceUid: string;
  tool: DeidentificationTool;
  instances: number;
  result: InspectionResult;
  /** Present exactly when `result` is FAIL. */
  issues?: InspectionIssue[];
  /** CID 7050 codes of (0012,0064) in the files. */
  methodCodesFound?: string[];
  /** Pseudonymized at ingest like every patient value. */
  patientIdentifiersFound?: FoundPatientIdentifier[];
}

export interface StudyDeidentified {
  sourceStudyInstanceUid: string;
  derivedStudyInstanceUid: string;
  /** DICOM CID 7050 codes, e.g. 113100 (basic profile), 113102 (clean graphics/face). */
  methodCodes: string[];
  tool: DeidentificationTool;
  performedBy?: string;
}

export interface ConsentScope {
  studyInstanceUids?: string[];
  modalities?: string[];
}

export interface ConsentRecorded {
  consentId: string;
  patient: PatientIdentifier;
  decision: ConsentDecision;
  purposes: Purpose[];
  /** Absent: any recipient. */
  vendorIds?: string[];
  scope?: ConsentScope;
  validFrom: DateOrDateTime;
  validUntil?: DateOrDateTime;
  documentRef?: string;
}

export interface ConsentRevoked {
  consentId: string;
  reason?: string;
}

export interface DatasetAssembled {
  datasetId: string;
  name: string;
  /** 1..500 (v1.1); a later event with the same datasetId adds members. */
  studyInstanceUids: string[];
  purpose?: Purpose;
}

export interface DisclosureRecorded {
  disclosureId: string;
  recipientVendorId: string;
  target: Target;
  purpose: Purpose;
  legalBasis: LegalBasis;
  agreementId?: string;
  channel?: string;
  description?: string;
  approvedBy?: string;
}

export interface TransferOnward {
  transferId: string;
  fromVendorId: string;
  toVendorId: string;
  target: Target;
  purpose: Purpose;
}

export interface ModelTrained {
  vendorId: string;
  modelId: string;
  modelVersion: string;
  target: Target;
  usage: ModelUsage;
}

export interface DeletionAttested {
  vendorId: string;
  target: Target;
  method?: string;
  certificateRef?: string;
}

/** v1.1: a patient asks that every holder delete their studies (requested at the event time). */
export interface DeletionRequested {
  requestId: string;
  patient: PatientIdentifier;
  /** When holders must have deleted; a date closes (23:59:59.999Z). */
  dueBy: string;
  /** Absent: all the patient's studies and their derivatives. */
  scope?: { studyInstanceUids: string[] };
  legalGround?: string;
  channel?: string;
}

/** v1.1: a vendor's systems were breached. */
export interface BreachReported {
  breachId: string;
  vendorId: string;
  /** A date means 00:00:00Z of it. */
  discoveredAt: string;
  /** Opens the exposure window; absent: no lower bound. */
  exposureFrom?: string;
  /** Closes it; absent: discoveredAt. */
  exposureTo?: string;
  /** Absent: all the vendor held. */
  affectedTargets?: Target[];
  description?: string;
}
