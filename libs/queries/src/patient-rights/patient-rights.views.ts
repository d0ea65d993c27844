// What the API, reports and CLI show of deletion requests and breaches. Dates as Date.
import type { DeletionStatus } from '@scantrail/compliance';
import type { VendorView } from '../views/read-views';

export interface DeletionObligationView {
  vendorId: string;
  studyInstanceUid: string;
  receivedAt: Date;
  status: DeletionStatus;
  attestedAt: Date | null;
  attestationEventId: string | null;
}

export interface DeletionRequestView {
  requestId: string;
  requestedAt: Date;
  dueBy: Date;
  /** Null for a vendor. */
  patientPseudonym: string | null;
  legalGround: string | null;
  status: DeletionStatus;
  obligations: DeletionObligationView[];
  ledgerSequence: number;
  /** The time the answer is computed at. */
  asOf: Date;
}

/** An obligation with its holder, as deletionRequests lists it. */
export interface DeletionObligationNode extends DeletionObligationView {
  vendor: VendorView;
}

/**
 * A request as deletionRequests lists it: its obligations with their holders, without the
 * asOf it was answered at (the list's nodes are kept while the answer cannot change).
 */
export interface DeletionRequestNode extends Omit<DeletionRequestView, 'obligations' | 'asOf'> {
  obligations: DeletionObligationNode[];
}

export interface BreachAffectedView {
  studyInstanceUid: string;
  /** Null for a vendor, or when no study of the lineage is registered. */
  patientPseudonym: string | null;
  accessionNumber: string | null;
  receivedAt: Date;
  deidentified: boolean;
  notificationRequired: boolean;
}

export interface BreachImpactView {
  breachId: string;
  vendorId: string;
  discoveredAt: Date;
  exposureFrom: Date | null;
  exposureTo: Date;
  description: string | null;
  studiesAffected: number;
  /** Affected studies that are properly de-identified copies (no notice). */
  studiesDeidentified: number;
  patientsAffected: number;
  patientsToNotify: number;
  individualNoticeDeadline: Date;
  hhsNoticeDeadline: Date;
  mediaNoticeMayBeRequired: boolean;
  ledgerSequence: number;
}
