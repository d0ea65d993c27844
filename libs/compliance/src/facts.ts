// The facts that findings are evaluated from (CONTRACT.md section 2). Times are epoch
// milliseconds; period bounds are already resolved (a YYYY-MM-DD date that opens a period
// starts at 00:00:00Z, one that closes it ends at 23:59:59.999Z). Patients are pseudonyms.

import type { LegalBasis, Purpose } from '@scantrail/contract';
import type { FindingCode } from './finding-codes';

// Purposes and legal bases are the contract's own (one definition, @scantrail/contract);
// only their types are used here, so this library runs nothing of it.
export type { LegalBasis, Purpose };

export type { FindingCode };

/** Exactly one of the two is set. */
export interface TargetRef {
  studyInstanceUid?: string;
  datasetId?: string;
}

/** What is known of one study uid: a registration, a derivation, or both (or neither). */
export interface StudyFact {
  studyInstanceUid: string;
  /** From study.registered (original studies). */
  patient?: string;
  /** `system` of the registered patient identifier (the pseudonym covers system and value). */
  patientSystem?: string;
  /** Pseudonym of the identifier value alone (matches an inspection's issuer-less find). */
  patientValuePseudonym?: string;
  modality?: string;
  bodyPart?: string;
  /** From study.deidentified: the source uid and this derivative's own method codes. */
  derivedFrom?: string;
  methodCodes?: readonly string[];
}

export interface ConsentFact {
  consentId: string;
  patient: string;
  decision: 'PERMIT' | 'DENY';
  purposes: readonly Purpose[];
  vendorIds?: readonly string[];
  scope?: { studyInstanceUids?: readonly string[]; modalities?: readonly string[] };
  validFrom: number;
  validUntil?: number;
  /** Earliest revocation time, if any. */
  revokedAt?: number;
}

export interface AgreementFact {
  agreementId: string;
  vendorId: string;
  permittedPurposes: readonly Purpose[];
  effectiveFrom: number;
  expiresAt?: number;
  /** Earliest termination time, if any. */
  terminatedAt?: number;
  allowsOnwardTransfer: boolean;
}

export interface DatasetMemberFact {
  datasetId: string;
  studyInstanceUid: string;
  /** Time of the earliest dataset.assembled event that added this member. */
  addedAt: number;
}

/** An event the findings are about; identifies the finding's eventId/ledgerSequence/occurredAt. */
export interface EventRef {
  eventId: string;
  ledgerSequence: number;
  at: number;
}

export interface DisclosureFact extends EventRef {
  disclosureId: string;
  recipientVendorId: string;
  target: TargetRef;
  purpose: Purpose;
  legalBasis: LegalBasis;
}

export interface TransferFact extends EventRef {
  transferId: string;
  fromVendorId: string;
  toVendorId: string;
  target: TargetRef;
  purpose: Purpose;
}

export interface DeletionFact extends EventRef {
  vendorId: string;
  target: TargetRef;
}

/** An identifier an inspection found in the files; `value` pseudonymized like every patient value. */
export interface FoundIdentifier {
  system?: string;
  value: string;
}

/** A deidentification.inspected event: what a reader of the study's files saw. */
export interface InspectionFact {
  inspectionId: string;
  studyInstanceUid: string;
  at: number;
  ledgerSequence: number;
  result: 'PASS' | 'FAIL';
  /** The issue codes of a FAIL, for the finding's detail. */
  issueCodes?: readonly string[];
  patientIdentifiersFound?: readonly FoundIdentifier[];
}

export interface ComplianceWorld {
  studies: readonly StudyFact[];
  consents: readonly ConsentFact[];
  agreements: readonly AgreementFact[];
  datasetMembers: readonly DatasetMemberFact[];
  disclosures: readonly DisclosureFact[];
  transfers: readonly TransferFact[];
  deletions: readonly DeletionFact[];
  /** v1.1: whatever their time (files of a study do not change after it is made). */
  inspections?: readonly InspectionFact[];
}

export interface Finding {
  code: FindingCode;
  studyInstanceUid: string;
  /** Recipient of a disclosure, or sender of a transfer. */
  vendorId: string;
  eventId: string;
  ledgerSequence: number;
  occurredAt: number;
  detail: string;
}
