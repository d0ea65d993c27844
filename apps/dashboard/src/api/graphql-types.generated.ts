/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** How deletionRequests orders its list. */
export type DeletionRequestOrder =
  /** Only the open and overdue requests (as of asOf, over the vendor named or the token's own), by due date (most overdue, then soonest due, first), ties by request id in code-point order; cursors of its own. */
  | 'DUE_DATE'
  /** Every request, oldest first (the default). */
  | 'REQUESTED_AT';

export type DeletionStatus =
  | 'EXEMPT'
  | 'FULFILLED'
  | 'OPEN'
  | 'OVERDUE';

export type FindingCode =
  | 'CONSENT_EXPIRED'
  | 'CONSENT_REVOKED'
  | 'DEIDENTIFICATION_FAILED'
  | 'FACE_NOT_REMOVED'
  | 'NOT_DEIDENTIFIED'
  | 'NO_AGREEMENT'
  | 'NO_CONSENT'
  | 'PATIENT_IDENTIFIABLE'
  | 'PATIENT_OBJECTED'
  | 'RETAINED_AFTER_REVOCATION'
  | 'UNAUTHORIZED_ONWARD_TRANSFER';

/** What the ingest found when Kafka no longer held what it had not read yet. */
export type IngestGapKind =
  /** Messages deleted in Kafka before the ingest read them (retention shorter than it was behind, or records deleted by an operator): they are not in the ledger. Have their producer re-send them: their event ids make a re-send harmless. */
  | 'MESSAGES_LOST'
  /** The log was not the one read (the topic deleted and created again, or its log truncated): the partition was read again from its earliest offset; what was recorded before came back as duplicates. */
  | 'POSITION_RESET';

export type InspectionResult =
  | 'FAIL'
  | 'PASS';

export type LineageEdgeKind =
  | 'DELETED'
  | 'DERIVED'
  | 'DISCLOSED'
  | 'MEMBER_OF'
  | 'ONWARD_TRANSFER'
  | 'TRAINED';

export type LineageNodeKind =
  | 'DATASET'
  | 'MODEL'
  | 'STUDY'
  | 'VENDOR';

/** FHIR Identifier style; never stored in clear. */
export type PatientIdentifierInput = {
  system: string;
  value: string;
};

/** What rawBase64 holds for the viewer. */
export type QuarantineRawForm =
  /** The message value exactly as received (privacy officers). */
  | 'AS_RECEIVED'
  /** The message parsed as JSON, every patient value replaced by "[redacted]", written back as compact UTF-8 JSON (not the bytes received; sha256 is of those). */
  | 'REDACTED_JSON'
  /** Nothing (rawBase64 is ""): the message does not decode or parse as JSON, so it cannot be redacted and is not shown. */
  | 'WITHHELD';

export type VendorsQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type VendorsQuery = { vendors: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { vendorId: string, name: string, address: string | null, role: string, studiesReceived: number, patientsAffected: number } }> } };

export type VendorCodeCountsQueryVariables = Exact<{
  ids: Array<string> | string;
}>;


export type VendorCodeCountsQuery = { findingCountsByVendor: Array<{ vendorId: string, code: FindingCode, count: number }> };

export type VendorQueryVariables = Exact<{
  id: string;
}>;


export type VendorQuery = { vendor: { vendorId: string, name: string, address: string | null, role: string, studiesReceived: number, patientsAffected: number } | null };

export type MonthCountsQueryVariables = Exact<{
  vendorId?: string | null | undefined;
  lastMonths: number;
}>;


export type MonthCountsQuery = { findingCountsByMonth: Array<{ month: string, code: FindingCode, count: number }>, findingCountsByCode: Array<{ code: FindingCode, count: number }> };

export type FindingsQueryVariables = Exact<{
  vendorId?: string | null | undefined;
  code?: FindingCode | null | undefined;
  study?: string | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type FindingsQuery = { findings: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { code: FindingCode, studyInstanceUid: string, vendorId: string, eventId: string, occurredAt: string, ledgerSequence: number, detail: string } }> } };

export type TraceQueryVariables = Exact<{
  uid: string;
}>;


export type TraceQuery = { study: { studyInstanceUid: string, modality: string, bodyPart: string | null, studyDate: string | null, methodCodes: Array<string>, derivedFrom: { studyInstanceUid: string } | null } | null, trace: { nodes: Array<{ id: string, kind: LineageNodeKind, label: string }>, edges: Array<{ from: string, to: string, kind: LineageEdgeKind, occurredAt: string, eventId: string, ledgerSequence: number, channel: string | null }> } };

export type AccountingQueryVariables = Exact<{
  patient: PatientIdentifierInput;
  from?: string | null | undefined;
  to?: string | null | undefined;
}>;


export type AccountingQuery = { accountingOfDisclosures: { from: string, to: string, entries: Array<{ date: string, recipientName: string, recipientAddress: string | null, description: string, purpose: string, legalBasis: string, disclosureId: string, studyInstanceUid: string, exempt: boolean, ledgerSequence: number }> } };

export type LedgerQueryVariables = Exact<{ [key: string]: never; }>;


export type LedgerQuery = { verifierKey: string, ledger: { treeSize: number, rootHash: string, checkpoint: string } };

export type BridgeStateQueryVariables = Exact<{ [key: string]: never; }>;


export type BridgeStateQuery = { bridgeState: { heldSends: number, heldStudies: number, unrecordedSends: number, held: Array<{ kind: string, reason: string, studyInstanceUid: string, destination: string | null, destinationKind: string | null, occurredAt: string, heldAt: string, source: string }> } };

export type BridgeUnrecordedSendsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type BridgeUnrecordedSendsQuery = { bridgeUnrecordedSends: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { jobKey: string, reason: string, jobType: string, destinationKind: string, destination: string | null, instances: number | null, completedAt: string | null, noticedAt: string, source: string } }> } };

export type BridgeDestinationsQueryVariables = Exact<{
  vendorId?: string | null | undefined;
}>;


export type BridgeDestinationsQuery = { bridgeDestinations: Array<{ name: string, vendorId: string, purpose: string, legalBasis: string, agreementId: string | null, orthancKind: string | null, source: string }> };

export type FindingsFreshnessQueryVariables = Exact<{ [key: string]: never; }>;


export type FindingsFreshnessQuery = { ledger: { findingsCompleteThrough: number | null, findingsLag: number, findingsLagSeconds: number } };

export type StudyInspectionsFragment = { inspections: Array<{ inspectionId: string, occurredAt: string, tool: string, instances: number, result: InspectionResult, methodCodesFound: Array<string>, ledgerSequence: number, issues: Array<{ code: string, instances: number, keyword: string | null, tag: string | null }> }> };

export type IngestGapsQueryVariables = Exact<{
  kind?: IngestGapKind | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type IngestGapsQuery = { ingestGaps: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { kind: IngestGapKind, cause: string, topic: string, partition: number, fromOffset: string, toOffset: string, count: number, earliestOffset: string, highWatermark: string, consumerGroup: string, noticedAt: string } }> } };

export type DeletionRequestsQueryVariables = Exact<{
  status?: DeletionStatus | null | undefined;
  vendorId?: string | null | undefined;
  asOf?: string | null | undefined;
  first: number;
  after?: string | null | undefined;
  orderBy?: DeletionRequestOrder | null | undefined;
}>;


export type DeletionRequestsQuery = { deletionRequests: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { requestId: string, requestedAt: string, dueBy: string, patientPseudonym: string | null, legalGround: string | null, status: DeletionStatus, ledgerSequence: number, obligations: Array<{ studyInstanceUid: string, receivedAt: string, status: DeletionStatus, attestedAt: string | null, attestationEventId: string | null, vendor: { vendorId: string, name: string } }> } }> } };

export type ObligationsByVendorQueryVariables = Exact<{
  asOf?: string | null | undefined;
}>;


export type ObligationsByVendorQuery = { deletionObligationsByVendor: Array<{ overdue: number, open: number, fulfilled: number, exempt: number, vendor: { vendorId: string, name: string } }> };

export type BreachesQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type BreachesQuery = { breaches: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { breachId: string, discoveredAt: string, exposureFrom: string | null, exposureTo: string, studiesAffected: number, patientsAffected: number, patientsToNotify: number, individualNoticeDeadline: string, hhsNoticeDeadline: string, mediaNoticeMayBeRequired: boolean, ledgerSequence: number, vendor: { vendorId: string, name: string } } }> } };

export type BreachQueryVariables = Exact<{
  id: string;
  first: number;
  after?: string | null | undefined;
}>;


export type BreachQuery = { breachImpact: { breachId: string, discoveredAt: string, exposureFrom: string | null, exposureTo: string, studiesAffected: number, patientsAffected: number, patientsToNotify: number, individualNoticeDeadline: string, hhsNoticeDeadline: string, mediaNoticeMayBeRequired: boolean, ledgerSequence: number, affected: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { studyInstanceUid: string, patientPseudonym: string | null, receivedAt: string, deidentified: boolean, notificationRequired: boolean } }> }, vendor: { vendorId: string, name: string } } | null };

export type BreachFieldsFragment = { breachId: string, discoveredAt: string, exposureFrom: string | null, exposureTo: string, studiesAffected: number, patientsAffected: number, patientsToNotify: number, individualNoticeDeadline: string, hhsNoticeDeadline: string, mediaNoticeMayBeRequired: boolean, ledgerSequence: number, vendor: { vendorId: string, name: string } };

export type QuarantineQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type QuarantineQuery = { quarantine: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { topic: string, partition: number, offset: string, reason: string, receivedAt: string, rawForm: QuarantineRawForm, rawEncoding: string | null, rawBase64: string, byteLength: number, sha256: string } }> } };

export type DuplicateConflictsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type DuplicateConflictsQuery = { duplicateConflicts: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { topic: string, partition: number, offset: string, source: string, eventId: string, eventType: string, eventTime: string, recordedSequence: number | null, payloadDigest: string, detectedAt: string } }> } };
