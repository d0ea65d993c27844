import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import type { EventDataMap, EventType } from '@scantrail/contract';

// A small world for the API end-to-end suite: two patients, a derivative of a
// derivative, a dataset, consent, disclosures of every interesting basis, an onward
// transfer, a model and a deletion. Times are the events' `time`.

export const PATIENT_P = { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'MRN-004211' };
export const PATIENT_Q = { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'MRN-777000' };

export const S1 = '1.2.840.99.1'; // P, CT HEAD
export const S2 = '1.2.840.99.2'; // P, MR BRAIN
export const S3 = '1.2.840.99.3'; // Q, CR CHEST
export const D1 = '2.25.991'; // de-identified S1 (113100, 113101, 113102)
export const D2 = '2.25.992'; // de-identified D1 (113100 only: face not removed)
export const DATASET = 'ds-head-2024';

export const ACME = 'vnd-acme';
export const CLOUD = 'vnd-cloud';
export const RESEARCH = 'vnd-research';
export const GHOST = 'vnd-ghost'; // never registered

/** What the tests read back of a recorded event. */
export interface ScenarioEvent {
  id: string;
  time: string;
  type: string;
}

function event<T extends EventType>(
  type: T,
  time: string,
  data: Partial<EventDataMap[T]>,
): ScenarioEvent {
  return cloudEvent(type, exampleData(type, data), { time });
}

/** The scenario's events, in the order they are recorded (not their time order). */
export function scenarioEvents(): Record<string, ScenarioEvent> {
  return {
    acme: event('org.scantrail.vendor.registered', '2024-01-01T00:00:00Z', {
      vendorId: ACME,
      name: 'Acme Imaging AI',
      address: '1 Main St, Springfield',
      role: 'AI_DEVELOPER',
      parentVendorId: undefined,
    }),
    cloud: event('org.scantrail.vendor.registered', '2024-01-01T00:00:00Z', {
      vendorId: CLOUD,
      name: 'Cloud Host Inc',
      address: '9 Server Rd',
      role: 'CLOUD_HOST',
      parentVendorId: undefined,
    }),
    research: event('org.scantrail.vendor.registered', '2024-01-01T00:00:00Z', {
      vendorId: RESEARCH,
      name: 'Research Partner University',
      address: '5 Campus Way',
      role: 'RESEARCH_PARTNER',
      parentVendorId: undefined,
    }),
    agrAcme: event('org.scantrail.agreement.signed', '2024-01-01T00:00:00Z', {
      agreementId: 'agr-acme',
      vendorId: ACME,
      permittedPurposes: ['AI_TRAINING'],
      effectiveFrom: '2024-01-01',
      expiresAt: undefined,
      allowsOnwardTransfer: false,
    }),
    agrCloud: event('org.scantrail.agreement.signed', '2024-01-01T00:00:00Z', {
      agreementId: 'agr-cloud',
      vendorId: CLOUD,
      kind: 'BAA',
      permittedPurposes: ['AI_TRAINING'],
      effectiveFrom: '2024-01-01',
      expiresAt: undefined,
      allowsOnwardTransfer: false,
    }),
    agrResearch: event('org.scantrail.agreement.signed', '2024-01-01T00:00:00Z', {
      agreementId: 'agr-research',
      vendorId: RESEARCH,
      kind: 'RESEARCH_AGREEMENT',
      permittedPurposes: ['RESEARCH', 'TREATMENT'],
      effectiveFrom: '2017-01-01',
      expiresAt: undefined,
      allowsOnwardTransfer: false,
    }),
    s1: event('org.scantrail.study.registered', '2024-04-30T10:00:00Z', {
      studyInstanceUid: S1,
      patient: PATIENT_P,
      modality: 'CT',
      bodyPart: 'HEAD',
      studyDate: '2024-04-30',
    }),
    s2: event('org.scantrail.study.registered', '2024-04-01T10:00:00Z', {
      studyInstanceUid: S2,
      patient: PATIENT_P,
      modality: 'MR',
      bodyPart: 'BRAIN',
      studyDate: '2024-04-01',
    }),
    s3: event('org.scantrail.study.registered', '2024-03-15T10:00:00Z', {
      studyInstanceUid: S3,
      patient: PATIENT_Q,
      modality: 'CR',
      bodyPart: 'CHEST',
      studyDate: '2024-03-15',
    }),
    d1: event('org.scantrail.study.deidentified', '2024-05-01T00:00:00Z', {
      sourceStudyInstanceUid: S1,
      derivedStudyInstanceUid: D1,
      methodCodes: ['113100', '113101', '113102'],
    }),
    d2: event('org.scantrail.study.deidentified', '2024-05-01T12:00:00Z', {
      sourceStudyInstanceUid: D1,
      derivedStudyInstanceUid: D2,
      methodCodes: ['113100'],
    }),
    dataset: event('org.scantrail.dataset.assembled', '2024-05-02T00:00:00Z', {
      datasetId: DATASET,
      name: 'Head CT 2024',
      studyInstanceUids: [D1],
    }),
    datasetLater: event('org.scantrail.dataset.assembled', '2024-07-01T00:00:00Z', {
      datasetId: DATASET,
      name: 'Head CT 2024',
      studyInstanceUids: [S3],
    }),
    consent: event('org.scantrail.consent.recorded', '2024-01-01T00:00:00Z', {
      consentId: 'cns-p',
      patient: PATIENT_P,
      decision: 'PERMIT',
      purposes: ['RESEARCH'],
      vendorIds: [RESEARCH],
      scope: undefined,
      validFrom: '2024-01-01',
      validUntil: undefined,
    }),
    dsc1: event('org.scantrail.disclosure.recorded', '2024-06-01T00:00:00Z', {
      disclosureId: 'dsc-1',
      recipientVendorId: ACME,
      target: { datasetId: DATASET },
      purpose: 'AI_TRAINING',
      legalBasis: 'DEIDENTIFIED',
      agreementId: 'agr-acme',
    }),
    trf1: event('org.scantrail.transfer.onward', '2024-06-03T00:00:00Z', {
      transferId: 'trf-1',
      fromVendorId: ACME,
      toVendorId: CLOUD,
      target: { datasetId: DATASET },
      purpose: 'AI_TRAINING',
    }),
    model: event('org.scantrail.model.trained', '2024-06-04T00:00:00Z', {
      vendorId: CLOUD,
      modelId: 'mdl-ich',
      modelVersion: '1.0.0',
      target: { datasetId: DATASET },
      usage: 'TRAINING',
    }),
    dsc2: event('org.scantrail.disclosure.recorded', '2024-06-05T00:00:00Z', {
      disclosureId: 'dsc-2',
      recipientVendorId: RESEARCH,
      target: { studyInstanceUid: S1 },
      purpose: 'RESEARCH',
      legalBasis: 'PATIENT_AUTHORIZATION',
      agreementId: 'agr-research',
    }),
    dsc3: event('org.scantrail.disclosure.recorded', '2024-06-10T00:00:00Z', {
      disclosureId: 'dsc-3',
      recipientVendorId: ACME,
      target: { studyInstanceUid: S2 },
      purpose: 'AI_TRAINING',
      legalBasis: 'PATIENT_AUTHORIZATION',
      agreementId: 'agr-acme',
    }),
    dsc4: event('org.scantrail.disclosure.recorded', '2024-06-12T00:00:00Z', {
      disclosureId: 'dsc-4',
      recipientVendorId: RESEARCH,
      target: { studyInstanceUid: S3 },
      purpose: 'RESEARCH',
      legalBasis: 'IRB_WAIVER',
      agreementId: 'agr-research',
    }),
    dsc5: event('org.scantrail.disclosure.recorded', '2024-06-15T00:00:00Z', {
      disclosureId: 'dsc-5',
      recipientVendorId: GHOST,
      target: { studyInstanceUid: S2 },
      purpose: 'TREATMENT',
      legalBasis: 'TREATMENT',
      agreementId: undefined,
    }),
    dsc6: event('org.scantrail.disclosure.recorded', '2024-06-20T00:00:00Z', {
      disclosureId: 'dsc-6',
      recipientVendorId: ACME,
      target: { studyInstanceUid: D2 },
      purpose: 'AI_TRAINING',
      legalBasis: 'DEIDENTIFIED',
      agreementId: 'agr-acme',
    }),
    dscOld: event('org.scantrail.disclosure.recorded', '2018-01-10T00:00:00Z', {
      disclosureId: 'dsc-old',
      recipientVendorId: RESEARCH,
      target: { studyInstanceUid: S1 },
      purpose: 'TREATMENT',
      legalBasis: 'TREATMENT',
      agreementId: undefined,
    }),
    revoke: event('org.scantrail.consent.revoked', '2024-07-01T00:00:00Z', { consentId: 'cns-p' }),
    deletion: event('org.scantrail.deletion.attested', '2024-08-01T00:00:00Z', {
      vendorId: ACME,
      target: { datasetId: DATASET },
    }),
  };
}
