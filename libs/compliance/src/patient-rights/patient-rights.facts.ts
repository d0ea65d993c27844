// Facts behind deletion requests and breach reports (CONTRACT.md section 3.1). Like the
// findings' facts: times in epoch milliseconds, period bounds already resolved, patients
// as pseudonyms. Each fact keeps its event time so that an evaluation "as of" a time can
// leave out what had not happened yet.
import type {
  DatasetMemberFact,
  DeletionFact,
  DisclosureFact,
  EventRef,
  InspectionFact,
  StudyFact,
  TargetRef,
  TransferFact,
} from '../facts';

/** A study as registered and/or derived, with the times of those events. */
export interface TimedStudyFact extends StudyFact {
  /** `system` of the registered patient identifier (the pseudonym covers system and value). */
  patientSystem?: string;
  /** Time of the study.registered event that gave `patient`, `modality`, `bodyPart`. */
  registeredAt?: number;
  /** Time of the study.deidentified event that gave `derivedFrom` and `methodCodes`. */
  derivedAt?: number;
}

export type { FoundIdentifier, InspectionFact } from '../facts';

export interface DeletionRequestFact extends EventRef {
  requestId: string;
  /** Pseudonym of the patient identifier. */
  patient: string;
  /** Last instant by which holders must have deleted (a date already resolved to 23:59:59.999Z). */
  dueBy: number;
  /** Absent: all the patient's studies and their derivatives. */
  scopeStudyInstanceUids?: readonly string[];
}

export interface BreachFact extends EventRef {
  breachId: string;
  vendorId: string;
  discoveredAt: number;
  /** Absent: no lower bound. */
  exposureFrom?: number;
  /** Already defaulted to `discoveredAt` when the event left it out. */
  exposureTo: number;
  /** Absent: all the vendor held. */
  affectedTargets?: readonly TargetRef[];
}

/** What section 3.1 reads of a disclosure: who received which target when. */
export type DisclosureReceipt = Pick<
  DisclosureFact,
  'eventId' | 'ledgerSequence' | 'at' | 'recipientVendorId' | 'target'
>;
/** What section 3.1 reads of an onward transfer: the receiver gets the target, whatever the sender held. */
export type TransferReceipt = Pick<
  TransferFact,
  'eventId' | 'ledgerSequence' | 'at' | 'toVendorId' | 'target'
>;

export interface PatientRightsWorld {
  studies: readonly TimedStudyFact[];
  datasetMembers: readonly DatasetMemberFact[];
  disclosures: readonly DisclosureReceipt[];
  transfers: readonly TransferReceipt[];
  deletions: readonly DeletionFact[];
  inspections: readonly InspectionFact[];
}

export const DELETION_STATUSES = ['OPEN', 'OVERDUE', 'FULFILLED', 'EXEMPT'] as const;
export type DeletionStatus = (typeof DELETION_STATUSES)[number];

export interface DeletionObligation {
  vendorId: string;
  studyInstanceUid: string;
  receivedAt: number;
  status: DeletionStatus;
  /** Set exactly when FULFILLED. */
  attestedAt?: number;
  attestationEventId?: string;
}

export interface DeletionRequestState {
  requestId: string;
  status: DeletionStatus;
  /** By vendor id, then study uid. */
  obligations: DeletionObligation[];
}

export interface BreachAffectedStudy {
  studyInstanceUid: string;
  /** Pseudonym of the study's patient; undefined when no study of its lineage is registered. */
  patient?: string;
  receivedAt: number;
  deidentified: boolean;
  notificationRequired: boolean;
}

export interface BreachImpactResult {
  breachId: string;
  vendorId: string;
  studiesAffected: number;
  patientsAffected: number;
  patientsToNotify: number;
  individualNoticeDeadline: number;
  hhsNoticeDeadline: number;
  mediaNoticeMayBeRequired: boolean;
  /** By study uid. */
  affected: BreachAffectedStudy[];
}
