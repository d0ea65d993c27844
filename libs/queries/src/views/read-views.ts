// What the read services return: plain objects, independent of GraphQL, with times as
// Dates and ledger sequences as numbers.

export interface StudyView {
  studyInstanceUid: string;
  /** Of the original study for a derivative; `UNKNOWN` when no study in its chain is registered. */
  modality: string;
  bodyPart: string | null;
  studyDate: string | null;
  derivedFrom: string | null;
  /** Its own de-identification method codes (empty for an original). */
  methodCodes: string[];
  isDerivative: boolean;
}

/** One issue of an inspection: a code, how many instances, and the attribute (never a value). */
export interface InspectionIssueView {
  code: string;
  instances: number;
  keyword: string | null;
  tag: string | null;
}

/** v1.1: one de-identification inspection of a study (CONTRACT section 3, Inspection). */
export interface InspectionView {
  inspectionId: string;
  occurredAt: Date;
  /** "<name> <version>" */
  tool: string;
  instances: number;
  result: 'PASS' | 'FAIL';
  issues: InspectionIssueView[];
  methodCodesFound: string[];
  ledgerSequence: number;
}

export interface DisclosureView {
  disclosureId: string;
  occurredAt: Date;
  recipientVendorId: string;
  purpose: string;
  legalBasis: string;
  /** The study actually disclosed: the target itself, or a member of the target dataset. */
  studyInstanceUid: string;
  datasetId: string | null;
  eventId: string;
  ledgerSequence: number;
}

export interface FindingView {
  code: string;
  studyInstanceUid: string;
  vendorId: string;
  eventId: string;
  occurredAt: Date;
  ledgerSequence: number;
  detail: string;
}

export interface VendorView {
  vendorId: string;
  /** The registered name, or the vendorId of a vendor seen but never registered. */
  name: string;
  address: string | null;
  /** The registered role, or `OTHER` for a vendor never registered (CONTRACT v1.1). */
  role: string;
}

export interface VendorStats {
  studiesReceived: number;
  patientsAffected: number;
}

export type LineageNodeKind = 'STUDY' | 'DATASET' | 'VENDOR' | 'MODEL';
export type LineageEdgeKind =
  'DERIVED' | 'MEMBER_OF' | 'DISCLOSED' | 'ONWARD_TRANSFER' | 'TRAINED' | 'DELETED';

export interface LineageNodeView {
  id: string;
  kind: LineageNodeKind;
  label: string;
}

export interface LineageEdgeView {
  from: string;
  to: string;
  kind: LineageEdgeKind;
  occurredAt: Date;
  eventId: string;
  ledgerSequence: number;
  /** A disclosure's `channel` as recorded (e.g. `orthanc-peer:<name>`), else null. */
  channel: string | null;
}

export interface LineageView {
  nodes: LineageNodeView[];
  edges: LineageEdgeView[];
}

export interface AccountingEntryView {
  date: Date;
  recipientName: string;
  recipientAddress: string | null;
  description: string;
  purpose: string;
  legalBasis: string;
  disclosureId: string;
  studyInstanceUid: string;
  exempt: boolean;
  ledgerSequence: number;
  /** The CloudEvent `id` and `source` the ledger entry recorded. */
  eventId: string;
  eventSource: string;
  /** The recipient's vendor id (the receiving vendor of a transfer). */
  recipientVendorId: string;
  /** The sending vendor of an onward transfer (id and registered name); null for a disclosure. */
  senderVendorId: string | null;
  senderName: string | null;
  /**
   * v1.1: a copy sent as de-identified whose files failed inspection (or still named the
   * patient), so it is not exempt: the patient letter says so in plain words.
   */
  failedInspection?: boolean;
}

export interface DisclosureAccountingView {
  from: Date;
  to: Date;
  entries: AccountingEntryView[];
}
