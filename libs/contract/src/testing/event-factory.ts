// Small fixture factories for tests across the repository: a valid `data` for every event
// type, a CloudEvent around it with a unique id, and the message bytes.
import type { EventType } from '../events/event-types';
import type {
  CloudEventAttributes,
  EventDataMap,
  LineageEventOf,
} from '../events/lineage-event.types';

export const TEST_SOURCE = 'urn:scantrail:test';
export const TEST_TIME = '2024-05-01T12:00:00Z';
export const TEST_PATIENT = { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'MRN-004211' };

let sequence = 0;

/** A fresh id for each call: `evt-test-<n>`. */
export function nextEventId(): string {
  sequence += 1;
  return `evt-test-${sequence}`;
}

const EXAMPLES: { [T in EventType]: () => EventDataMap[T] } = {
  'org.scantrail.vendor.registered': () => ({
    vendorId: 'vnd-acme',
    name: 'Acme Imaging AI',
    address: '1 Main St, Springfield, IL 62701',
    country: 'US',
    role: 'AI_DEVELOPER',
    parentVendorId: 'vnd-acme-holding',
  }),
  'org.scantrail.agreement.signed': () => ({
    agreementId: 'agr-acme-dua',
    vendorId: 'vnd-acme',
    kind: 'DUA',
    permittedPurposes: ['AI_TRAINING', 'AI_VALIDATION'],
    effectiveFrom: '2024-01-01',
    expiresAt: '2025-12-31T23:59:59Z',
    allowsOnwardTransfer: false,
  }),
  'org.scantrail.agreement.terminated': () => ({
    agreementId: 'agr-acme-dua',
    reason: 'vendor breach',
  }),
  'org.scantrail.study.registered': () => ({
    studyInstanceUid: '1.2.840.113619.2.55.3.1001',
    patient: { ...TEST_PATIENT },
    accessionNumber: 'ACC-1001',
    modality: 'CT',
    bodyPart: 'HEAD',
    studyDate: '2024-04-30',
    facility: 'Northfield General Hospital',
    description: 'CT HEAD WITHOUT CONTRAST',
  }),
  'org.scantrail.study.deidentified': () => ({
    sourceStudyInstanceUid: '1.2.840.113619.2.55.3.1001',
    derivedStudyInstanceUid: '2.25.1001',
    methodCodes: ['113100', '113101', '113102'],
    tool: { name: 'Northfield DeID Gateway', version: '3.4.1' },
    performedBy: 'imaging-informatics',
  }),
  'org.scantrail.consent.recorded': () => ({
    consentId: 'cns-1',
    patient: { ...TEST_PATIENT },
    decision: 'PERMIT',
    purposes: ['RESEARCH', 'AI_TRAINING'],
    vendorIds: ['vnd-acme'],
    scope: { studyInstanceUids: ['1.2.840.113619.2.55.3.1001'], modalities: ['CT'] },
    validFrom: '2024-01-01',
    validUntil: '2026-01-01T00:00:00Z',
    documentRef: 'DocumentReference/cns-1',
  }),
  'org.scantrail.consent.revoked': () => ({ consentId: 'cns-1', reason: 'patient request' }),
  'org.scantrail.dataset.assembled': () => ({
    datasetId: 'ds-head-ct-2024',
    name: 'Head CT 2024',
    studyInstanceUids: ['2.25.1001'],
    purpose: 'AI_TRAINING',
  }),
  'org.scantrail.disclosure.recorded': () => ({
    disclosureId: 'dsc-1',
    recipientVendorId: 'vnd-acme',
    target: { studyInstanceUid: '2.25.1001' },
    purpose: 'AI_TRAINING',
    legalBasis: 'DEIDENTIFIED',
    agreementId: 'agr-acme-dua',
    channel: 'sftp',
    description: 'de-identified head CT for model training',
    approvedBy: 'privacy-office',
  }),
  'org.scantrail.transfer.onward': () => ({
    transferId: 'trf-1',
    fromVendorId: 'vnd-acme',
    toVendorId: 'vnd-cloud',
    target: { datasetId: 'ds-head-ct-2024' },
    purpose: 'AI_TRAINING',
  }),
  'org.scantrail.model.trained': () => ({
    vendorId: 'vnd-acme',
    modelId: 'mdl-ich-detect',
    modelVersion: '1.0.0',
    target: { datasetId: 'ds-head-ct-2024' },
    usage: 'TRAINING',
  }),
  'org.scantrail.deletion.attested': () => ({
    vendorId: 'vnd-acme',
    target: { datasetId: 'ds-head-ct-2024' },
    method: 'NIST SP 800-88 purge',
    certificateRef: 'CERT-42',
  }),
  'org.scantrail.deletion.requested': () => ({
    requestId: 'del-req-7',
    patient: { ...TEST_PATIENT },
    dueBy: '2024-06-30',
    scope: { studyInstanceUids: ['1.2.840.113619.2.55.3.1001'] },
    legalGround: 'CCPA 1798.105',
    channel: 'patient portal',
  }),
  'org.scantrail.breach.reported': () => ({
    breachId: 'brc-acme-2024-1',
    vendorId: 'vnd-acme',
    discoveredAt: '2024-05-10',
    exposureFrom: '2024-04-01T00:00:00Z',
    exposureTo: '2024-05-09',
    affectedTargets: [{ datasetId: 'ds-head-ct-2024' }],
    description: 'Misconfigured storage bucket',
  }),
  'org.scantrail.deidentification.inspected': () => ({
    inspectionId: 'insp-0001',
    studyInstanceUid: '1.2.826.0.1.3680043.8.498.2',
    tool: { name: 'scantrail-inspect', version: '1.0.0' },
    instances: 24,
    result: 'FAIL',
    issues: [
      {
        code: 'IDENTIFYING_ATTRIBUTE_PRESENT',
        instances: 24,
        keyword: 'OtherPatientIDsSequence',
        tag: '0010,1002',
      },
      { code: 'FACE_RECONSTRUCTABLE', instances: 24 },
    ],
    methodCodesFound: ['113100'],
    patientIdentifiersFound: [
      { system: TEST_PATIENT.system, value: TEST_PATIENT.value },
      { value: 'OLD-77' },
    ],
  }),
};

/** A valid `data` of the given type, every optional field filled, merged with `overrides`. */
export function exampleData<T extends EventType>(
  type: T,
  overrides: Partial<EventDataMap[T]> = {},
): EventDataMap[T] {
  return { ...EXAMPLES[type](), ...overrides };
}

/** A CloudEvent of `type` around `data`, with a unique id, TEST_SOURCE and TEST_TIME. */
export function cloudEvent<T extends EventType>(
  type: T,
  data: EventDataMap[T],
  overrides?: Partial<CloudEventAttributes>,
): LineageEventOf<T>;
/** The loose form, for invalid fixtures: any type, any data, any extra members. */
export function cloudEvent(
  type: string,
  data: unknown,
  overrides?: Record<string, unknown>,
): Record<string, unknown>;
export function cloudEvent(
  type: string,
  data: unknown,
  overrides: Record<string, unknown> = {},
): object {
  return {
    specversion: '1.0',
    id: nextEventId(),
    source: TEST_SOURCE,
    type,
    time: TEST_TIME,
    data,
    ...overrides,
  };
}

/** The message value bytes of an event (or of anything, for invalid fixtures). */
export function encodeEvent(event: unknown): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}
