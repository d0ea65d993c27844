// The end-to-end lineage scenario: small factories and the events a hospital would publish,
// in two phases. Phase 2 holds the events that arrive after the disclosures they concern
// (a DENY, a consent, a deletion, a vendor's new details), duplicates and bad messages.
// Every expected answer is derived by hand from CONTRACT.md in lineage-scenario.e2e.ts.
import { createHash } from 'node:crypto';
import type {
  EventDataMap,
  EventType,
  LineageEventOf,
  PatientIdentifier,
  Target,
} from '@scantrail/contract';
import { cloudEvent, encodeEvent } from '@scantrail/contract/testing';

export const MRN_SYSTEM = 'urn:oid:2.16.840.1.113883.3.7';
const patient = (value: string): PatientIdentifier => ({ system: MRN_SYSTEM, value });

/** Nine patients; P1 is the one whose accounting is checked in detail. */
export const PATIENTS = {
  p1: patient('MRN-SCN-710001'),
  p2: patient('MRN-SCN-710002'),
  p3: patient('MRN-SCN-710003'),
  p4: patient('MRN-SCN-710004'),
  p5: patient('MRN-SCN-710005'),
  p6: patient('MRN-SCN-710006'),
  p7: patient('MRN-SCN-710007'),
  p8: patient('MRN-SCN-710008'),
  p9: patient('MRN-SCN-710009'),
  p10: patient('MRN-SCN-710010'),
  p11: patient('MRN-SCN-710011'),
  p12: patient('MRN-SCN-710012'),
  p13: patient('MRN-SCN-710013'),
  p14: patient('MRN-SCN-710014'),
  p15: patient('MRN-SCN-710015'),
  p16: patient('MRN-SCN-710016'),
} as const;
export type PatientKey = keyof typeof PATIENTS;

export const ALPHA = 'vnd-scn-alpha';
export const BETA = 'vnd-scn-beta';
export const GAMMA = 'vnd-scn-gamma';
export const DELTA = 'vnd-scn-delta';
/** Recipient of the consent and retention edge cases (P11-P16, D7C). */
export const EPSILON = 'vnd-scn-epsilon';

export const VENDOR_NAMES = {
  alphaFirst: 'Alpha Old Name',
  alpha: 'Alpha Imaging AI',
  alphaStale: 'Alpha Stale Name',
  beta: 'Beta Cloud',
  gammaFirst: 'Gamma Research',
  gamma: 'Gamma Research Institute',
  delta: 'Delta Labs',
  epsilon: 'Epsilon Health AI',
} as const;
/** Only in a quarantined message: never a scenario patient. */
export const QUARANTINED_MRN = 'MRN-SCN-QUAR-77';
export const ALPHA_ADDRESS = '200 New Road, Springfield, IL 62704';
export const GAMMA_ADDRESS = '3 Campus Drive, Ann Arbor, MI 48109';

/** Study uids: S* originals, D* derivatives. */
export const UID = {
  S1: '1.2.826.0.1.3680043.10.543.1.1', // P1 CT HEAD
  S1C: '1.2.826.0.1.3680043.10.543.1.2', // P1 CR CHEST
  D1A: '2.25.543001001', // from S1, face removed (113102)
  D1B: '2.25.543001002', // from D1A, no 113102
  S2: '1.2.826.0.1.3680043.10.543.2.1', // P2 CR CHEST
  D2: '2.25.543002001', // from S2
  S3: '1.2.826.0.1.3680043.10.543.3.1', // P3 MR KNEE
  S4: '1.2.826.0.1.3680043.10.543.4.1', // P4 CT ABDOMEN
  S5: '1.2.826.0.1.3680043.10.543.5.1', // P5 US ABDOMEN
  S6: '1.2.826.0.1.3680043.10.543.6.1', // P6 DX CHEST
  S7: '1.2.826.0.1.3680043.10.543.7.1', // P7 MR BRAIN
  D7: '2.25.543007001', // from S7, 113102 but no 113100
  D7B: '2.25.543007002', // from S7, 113100 but no 113102
  S8: '1.2.826.0.1.3680043.10.543.8.1', // P8 CT CHEST
  S9: '1.2.826.0.1.3680043.10.543.9.1', // P9 MR KNEE
  S10: '1.2.826.0.1.3680043.10.543.10.1', // P10 CR CHEST
  D7C: '2.25.543007003', // from D7B, 113102 only
  S11: '1.2.826.0.1.3680043.10.543.11.1', // P11..P16 CR CHEST, but P14 MR HEAD
  S12: '1.2.826.0.1.3680043.10.543.12.1',
  S13: '1.2.826.0.1.3680043.10.543.13.1',
  S14: '1.2.826.0.1.3680043.10.543.14.1',
  S15: '1.2.826.0.1.3680043.10.543.15.1',
  S16: '1.2.826.0.1.3680043.10.543.16.1',
} as const;

export const DS1 = 'ds-scn-training';
export const DS8 = 'ds-scn-p8-archive';
export const DS16 = 'ds-scn-p16-archive';
export const MODEL_ICH = 'mdl-scn-ich';
export const MODEL_CXR = 'mdl-scn-cxr';

const SRC = {
  ris: 'urn:scantrail:scenario:ris',
  consents: 'urn:scantrail:scenario:consent-registry',
  privacy: 'urn:scantrail:scenario:privacy-office',
  portal: 'urn:scantrail:scenario:vendor-portal',
  procurement: 'urn:scantrail:scenario:procurement',
} as const;

export interface ScenarioEvent<T extends EventType = EventType> {
  event: LineageEventOf<T>;
  /** Kafka key = the subject CONTRACT.md section 1 names for the event. */
  key: string;
  /** The exact message bytes produced. */
  value: Buffer;
  /** SHA-256 (hex) of `value`: the ledger's payloadDigest. */
  digest: string;
}

const targetId = (t: Target): string => t.studyInstanceUid ?? t.datasetId;

/** CONTRACT.md section 1: the study uid, consentId, vendorId, datasetId or the target's id. */
export function contractSubject(event: LineageEventOf<EventType>): string {
  if (event.subject !== undefined) return event.subject;
  const data = event.data as unknown as Record<string, unknown>;
  switch (event.type) {
    case 'org.scantrail.vendor.registered':
    case 'org.scantrail.agreement.signed':
      return data.vendorId as string;
    case 'org.scantrail.study.registered':
      return data.studyInstanceUid as string;
    case 'org.scantrail.study.deidentified':
      return data.sourceStudyInstanceUid as string;
    case 'org.scantrail.consent.recorded':
    case 'org.scantrail.consent.revoked':
      return data.consentId as string;
    case 'org.scantrail.dataset.assembled':
      return data.datasetId as string;
    default:
      return targetId(data.target as Target);
  }
}

function make<T extends EventType>(
  type: T,
  data: EventDataMap[T],
  time: string,
  attrs: { id: string; source: string; subject?: string },
  /** Optional and extension attributes (CloudEvents 1.0 allows both). */
  extra: Record<string, string> = {},
): ScenarioEvent<T> {
  const event: LineageEventOf<T> = { ...cloudEvent(type, data, { time, ...attrs }), ...extra };
  const value = encodeEvent(event);
  return {
    event,
    key: contractSubject(event),
    value,
    digest: createHash('sha256').update(value).digest('hex'),
  };
}

const vendor = (
  id: string,
  source: string,
  time: string,
  data: EventDataMap['org.scantrail.vendor.registered'],
) => make('org.scantrail.vendor.registered', data, time, { id, source });

const agreement = (
  id: string,
  time: string,
  data: EventDataMap['org.scantrail.agreement.signed'],
) => make('org.scantrail.agreement.signed', data, time, { id, source: SRC.procurement });

const study = (
  uid: string,
  who: PatientKey,
  modality: string,
  bodyPart: string,
  studyDate: string,
) =>
  make(
    'org.scantrail.study.registered',
    {
      studyInstanceUid: uid,
      patient: { ...PATIENTS[who] },
      modality,
      bodyPart,
      studyDate,
      facility: 'Northfield General Hospital',
      description: `${modality} ${bodyPart}`,
    },
    `${studyDate}T09:00:00Z`,
    { id: `evt-study-${uid}`, source: SRC.ris },
  );

const deidentified = (source: string, derived: string, methodCodes: string[], time: string) =>
  make(
    'org.scantrail.study.deidentified',
    {
      sourceStudyInstanceUid: source,
      derivedStudyInstanceUid: derived,
      methodCodes,
      tool: { name: 'Northfield DeID Gateway', version: '3.4.1' },
    },
    time,
    { id: `evt-deid-${derived}`, source: SRC.ris },
  );

const consent = (
  consentId: string,
  time: string,
  data: Omit<EventDataMap['org.scantrail.consent.recorded'], 'consentId'>,
) =>
  make('org.scantrail.consent.recorded', { consentId, ...data }, time, {
    id: `evt-${consentId}`,
    source: SRC.consents,
  });

const revocation = (consentId: string, time: string) =>
  make('org.scantrail.consent.revoked', { consentId, reason: 'patient request' }, time, {
    id: `evt-revoke-${consentId}`,
    source: SRC.consents,
  });

const dataset = (id: string, datasetId: string, members: string[], time: string) =>
  make(
    'org.scantrail.dataset.assembled',
    { datasetId, name: `Dataset ${datasetId}`, studyInstanceUids: members, purpose: 'AI_TRAINING' },
    time,
    { id, source: SRC.privacy },
  );

type DisclosureData = EventDataMap['org.scantrail.disclosure.recorded'];
const disclosure = (
  disclosureId: string,
  time: string,
  recipientVendorId: string,
  target: Target,
  purpose: DisclosureData['purpose'],
  legalBasis: DisclosureData['legalBasis'],
) =>
  make(
    'org.scantrail.disclosure.recorded',
    {
      disclosureId,
      recipientVendorId,
      target,
      purpose,
      legalBasis,
      channel: 'sftp',
      description: `scenario disclosure ${disclosureId}`,
    },
    time,
    { id: `evt-${disclosureId}`, source: SRC.privacy },
  );

const transfer = (
  transferId: string,
  time: string,
  fromVendorId: string,
  toVendorId: string,
  target: Target,
  purpose: DisclosureData['purpose'],
) =>
  make(
    'org.scantrail.transfer.onward',
    { transferId, fromVendorId, toVendorId, target, purpose },
    time,
    { id: `evt-${transferId}`, source: SRC.portal },
  );

const deletion = (id: string, time: string, vendorId: string, target: Target) =>
  make(
    'org.scantrail.deletion.attested',
    { vendorId, target, method: 'NIST SP 800-88 purge', certificateRef: `CERT-${id}` },
    time,
    { id, source: SRC.portal },
  );

const study$ = (studyInstanceUid: string): Target => ({ studyInstanceUid });
// Short names keep each disclosure on one line: purposes and legal bases.
const AI = 'AI_TRAINING';
const RES = 'RESEARCH';
const TRT = 'TREATMENT';
const HCO = 'HEALTHCARE_OPERATIONS';
const LAW = 'REQUIRED_BY_LAW';
const AUTH = 'PATIENT_AUTHORIZATION';
const DEID = 'DEIDENTIFIED';
const IRB = 'IRB_WAIVER';
const LDS = 'LIMITED_DATA_SET';
const dataset$ = (datasetId: string): Target => ({ datasetId });

/** The scenario's valid events by name (each a distinct (source, id)). */
export function scenarioEvents() {
  return {
    // --- vendors: alpha's first details; its later and stale details come in phase 2
    vAlpha1: vendor('evt-vendor-alpha-1', SRC.procurement, '2024-01-01T08:00:00Z', {
      vendorId: ALPHA,
      name: VENDOR_NAMES.alphaFirst,
      address: '1 Old Street, Springfield, IL 62701',
      role: 'AI_DEVELOPER',
    }),
    vBeta: vendor('evt-vendor-1', SRC.procurement, '2024-01-01T08:00:00Z', {
      vendorId: BETA,
      name: VENDOR_NAMES.beta,
      address: '9 Cloud Way, Seattle, WA 98101',
      role: 'CLOUD_HOST',
    }),
    vGamma: vendor('evt-vendor-2', SRC.procurement, '2024-01-01T08:00:00Z', {
      vendorId: GAMMA,
      name: VENDOR_NAMES.gammaFirst,
      address: GAMMA_ADDRESS,
      role: 'RESEARCH_PARTNER',
    }),
    // Same id as vGamma from another source: a different event (the pair is the key).
    vDelta: vendor('evt-vendor-2', SRC.portal, '2024-01-01T08:00:00Z', {
      vendorId: DELTA,
      name: VENDOR_NAMES.delta,
      address: '4 Lab Lane, Boston, MA 02110',
      role: 'OTHER',
    }),
    // --- agreements
    agrAlpha: agreement('evt-agr-alpha', '2023-12-15T10:00:00Z', {
      agreementId: 'agr-scn-alpha',
      vendorId: ALPHA,
      kind: 'DUA',
      permittedPurposes: ['AI_TRAINING', 'RESEARCH'],
      effectiveFrom: '2024-01-01',
      expiresAt: '2025-12-31',
      allowsOnwardTransfer: true,
    }),
    agrBeta: agreement('evt-agr-beta', '2023-12-15T10:00:00Z', {
      agreementId: 'agr-scn-beta',
      vendorId: BETA,
      kind: 'BAA',
      permittedPurposes: ['AI_TRAINING', 'HEALTHCARE_OPERATIONS'],
      effectiveFrom: '2024-01-01',
      allowsOnwardTransfer: false,
    }),
    agrGamma: agreement('evt-agr-gamma', '2023-12-15T10:00:00Z', {
      agreementId: 'agr-scn-gamma',
      vendorId: GAMMA,
      kind: 'RESEARCH_AGREEMENT',
      permittedPurposes: ['RESEARCH'],
      effectiveFrom: '2024-01-01',
      allowsOnwardTransfer: false,
    }),
    // Ends at its event time; the subject is set to the vendor (agreement events: vendorId).
    agrGammaEnd: make(
      'org.scantrail.agreement.terminated',
      { agreementId: 'agr-scn-gamma', reason: 'study closed' },
      '2024-03-01T00:00:00Z',
      { id: 'evt-agr-gamma-end', source: SRC.procurement, subject: GAMMA },
    ),
    agrDelta: agreement('evt-agr-delta', '2023-12-15T10:00:00Z', {
      agreementId: 'agr-scn-delta',
      vendorId: DELTA,
      kind: 'DUA',
      permittedPurposes: ['RESEARCH'],
      effectiveFrom: '2024-01-01',
      allowsOnwardTransfer: false,
    }),
    // --- studies and derivatives
    stS1: study(UID.S1, 'p1', 'CT', 'HEAD', '2018-05-01'),
    stS1C: study(UID.S1C, 'p1', 'CR', 'CHEST', '2024-02-20'),
    stS2: study(UID.S2, 'p2', 'CR', 'CHEST', '2024-02-01'),
    stS3: study(UID.S3, 'p3', 'MR', 'KNEE', '2024-02-01'),
    stS4: study(UID.S4, 'p4', 'CT', 'ABDOMEN', '2024-02-01'),
    stS5: study(UID.S5, 'p5', 'US', 'ABDOMEN', '2024-02-01'),
    stS6: study(UID.S6, 'p6', 'DX', 'CHEST', '2024-02-01'),
    stS7: study(UID.S7, 'p7', 'MR', 'BRAIN', '2024-02-01'),
    stS8: study(UID.S8, 'p8', 'CT', 'CHEST', '2024-01-20'),
    stS9: study(UID.S9, 'p9', 'MR', 'KNEE', '2024-01-20'),
    stS10: study(UID.S10, 'p10', 'CR', 'CHEST', '2024-01-20'),
    deD1A: deidentified(UID.S1, UID.D1A, ['113100', '113101', '113102'], '2024-04-01T10:00:00Z'),
    deD1B: deidentified(UID.D1A, UID.D1B, ['113100', '113101'], '2024-04-02T10:00:00Z'),
    deD2: deidentified(UID.S2, UID.D2, ['113100', '113101'], '2024-04-01T11:00:00Z'),
    deD7: deidentified(UID.S7, UID.D7, ['113101', '113102'], '2024-04-03T10:00:00Z'),
    deD7B: deidentified(UID.S7, UID.D7B, ['113100'], '2024-04-03T11:00:00Z'),
    // --- consents (a consent counts by its stated period, not its event time)
    cnsP1: consent('cns-scn-p1', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p1 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      vendorIds: [ALPHA],
      scope: { modalities: ['CT'] },
      validFrom: '2024-01-01',
    }),
    cnsP1Research: consent('cns-scn-p1-research', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p1 },
      decision: 'PERMIT',
      purposes: ['RESEARCH'],
      scope: { studyInstanceUids: [UID.S1] },
      validFrom: '2024-01-01',
    }),
    cnsP3Old: consent('cns-scn-p3-old', '2023-01-01T10:00:00Z', {
      patient: { ...PATIENTS.p3 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      validFrom: '2023-01-01',
      validUntil: '2023-12-31',
    }),
    cnsP3: consent('cns-scn-p3', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p3 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      vendorIds: [ALPHA],
      validFrom: '2024-01-01',
    }),
    rvP3: revocation('cns-scn-p3', '2024-04-01T00:00:00Z'),
    cnsP4: consent('cns-scn-p4', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p4 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      vendorIds: [ALPHA],
      validFrom: '2024-01-01',
      validUntil: '2024-03-31',
    }),
    cnsP5: consent('cns-scn-p5', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p5 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      validFrom: '2024-01-01',
    }),
    cnsP8: consent('cns-scn-p8', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p8 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      validFrom: '2024-01-01',
    }),
    rvP8: revocation('cns-scn-p8', '2024-05-01T00:00:00Z'),
    cnsP9: consent('cns-scn-p9', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p9 },
      decision: 'PERMIT',
      purposes: ['RESEARCH'],
      vendorIds: [ALPHA],
      scope: { studyInstanceUids: [UID.S9], modalities: ['MR'] },
      validFrom: '2024-01-01',
    }),
    rvP9: revocation('cns-scn-p9', '2024-04-01T00:00:00Z'),
    cnsP10: consent('cns-scn-p10', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p10 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      validFrom: '2024-01-01',
    }),
    rvP10: revocation('cns-scn-p10', '2024-05-01T00:00:00Z'),
    // --- datasets: DS1 gets D1B only after its disclosure to beta
    ds1a: dataset('evt-ds1-a', DS1, [UID.D1A, UID.D2], '2024-07-01T10:00:00Z'),
    ds1b: dataset('evt-ds1-b', DS1, [UID.D1B], '2024-08-01T00:00:00Z'),
    ds8: dataset('evt-ds8', DS8, [UID.S8], '2024-02-01T10:00:00Z'),
    // --- disclosures of P1's studies (accounting)
    xOld: disclosure('dsc-scn-old', '2018-06-01T10:00:00Z', BETA, study$(UID.S1), TRT, TRT),
    xTreat: disclosure('dsc-scn-treat', '2024-03-05T10:00:00Z', BETA, study$(UID.S1), TRT, TRT),
    xHco: disclosure('dsc-scn-hco', '2024-03-06T10:00:00Z', BETA, study$(UID.S1C), HCO, HCO),
    xIrb: disclosure('dsc-scn-irb', '2024-03-07T10:00:00Z', GAMMA, study$(UID.S1C), RES, IRB),
    xLaw: disclosure('dsc-scn-law', '2024-03-08T10:00:00Z', GAMMA, study$(UID.S1), LAW, LAW),
    xAuthOk: disclosure('dsc-scn-auth-ok', '2024-04-10T10:00:00Z', ALPHA, study$(UID.S1), AI, AUTH),
    xAuthFail: disclosure(
      'dsc-scn-auth-fail',
      '2024-04-11T10:00:00Z',
      ALPHA,
      study$(UID.S1C),
      AI,
      AUTH,
    ),
    xDeidOk: disclosure(
      'dsc-scn-deid-ok',
      '2024-04-20T10:00:00Z',
      ALPHA,
      study$(UID.D1A),
      AI,
      DEID,
    ),
    xDeidFace: disclosure(
      'dsc-scn-deid-face',
      '2024-04-21T10:00:00Z',
      ALPHA,
      study$(UID.D1B),
      AI,
      DEID,
    ),
    xLds: disclosure('dsc-scn-lds', '2024-04-22T10:00:00Z', ALPHA, study$(UID.S1C), RES, LDS),
    xDeidBad: disclosure(
      'dsc-scn-deid-bad',
      '2024-04-23T10:00:00Z',
      ALPHA,
      study$(UID.S1C),
      AI,
      DEID,
    ),
    xAuthDeriv: disclosure(
      'dsc-scn-auth-deriv',
      '2024-04-25T10:00:00Z',
      ALPHA,
      study$(UID.D1B),
      RES,
      AUTH,
    ),
    xDs1: disclosure('dsc-scn-ds1', '2024-07-10T10:00:00Z', BETA, dataset$(DS1), AI, DEID),
    // --- disclosures of the other patients' studies
    x2: disclosure('dsc-scn-p2', '2024-05-05T10:00:00Z', ALPHA, study$(UID.S2), AI, AUTH),
    x3: disclosure('dsc-scn-p3', '2024-05-01T10:00:00Z', ALPHA, study$(UID.S3), AI, AUTH),
    x4a: disclosure(
      'dsc-scn-p4-last-ms',
      '2024-03-31T23:59:59.999Z',
      ALPHA,
      study$(UID.S4),
      AI,
      AUTH,
    ),
    // 2024-03-31T23:30:00Z: still in the consent's period, although its local date is April.
    x4c: disclosure(
      'dsc-scn-p4-offset',
      '2024-04-01T01:30:00+02:00',
      ALPHA,
      study$(UID.S4),
      AI,
      AUTH,
    ),
    x4b: disclosure('dsc-scn-p4-late', '2024-04-15T10:00:00Z', ALPHA, study$(UID.S4), AI, AUTH),
    // With datacontenttype and an extension attribute: still a valid CloudEvent.
    x5: make(
      'org.scantrail.disclosure.recorded',
      {
        disclosureId: 'dsc-scn-p5',
        recipientVendorId: ALPHA,
        target: study$(UID.S5),
        purpose: AI,
        legalBasis: AUTH,
      },
      '2024-06-01T10:00:00Z',
      { id: 'evt-dsc-scn-p5', source: SRC.privacy },
      {
        datacontenttype: 'application/json',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    ),
    // At the very first instant of the (late) consent's period.
    x6: disclosure('dsc-scn-p6', '2024-06-01T00:00:00Z', ALPHA, study$(UID.S6), AI, AUTH),
    x7: disclosure('dsc-scn-p7', '2024-05-20T10:00:00Z', ALPHA, study$(UID.D7), AI, DEID),
    x7b: disclosure('dsc-scn-p7-gamma', '2024-05-21T10:00:00Z', GAMMA, study$(UID.D7B), AI, DEID),
    x8: disclosure('dsc-scn-p8', '2024-03-01T10:00:00Z', ALPHA, study$(UID.S8), AI, AUTH),
    x9: disclosure('dsc-scn-p9', '2024-02-01T10:00:00Z', ALPHA, study$(UID.S9), RES, AUTH),
    // Derivative matched by a modality scope through its original (CT): covered.
    xAuthDerivCt: disclosure(
      'dsc-scn-auth-deriv-ct',
      '2024-04-26T10:00:00Z',
      ALPHA,
      study$(UID.D1A),
      AI,
      AUTH,
    ),
    // One millisecond before alpha's agreement opens (effectiveFrom 2024-01-01).
    x12: disclosure(
      'dsc-scn-d2-early',
      '2023-12-31T23:59:59.999Z',
      ALPHA,
      study$(UID.D2),
      AI,
      DEID,
    ),
    x10: disclosure('dsc-scn-p10', '2024-03-01T10:00:00Z', ALPHA, study$(UID.S10), AI, AUTH),
    // --- onward transfers
    t1: transfer('trf-scn-1', '2024-08-01T10:00:00Z', ALPHA, BETA, study$(UID.D1A), 'AI_TRAINING'),
    t2: transfer('trf-scn-2', '2024-09-01T10:00:00Z', BETA, DELTA, dataset$(DS1), 'AI_TRAINING'),
    t3: transfer('trf-scn-3', '2024-09-15T10:00:00Z', ALPHA, DELTA, study$(UID.S1), 'RESEARCH'),
    t5: transfer('trf-scn-5', '2024-06-20T10:00:00Z', ALPHA, DELTA, study$(UID.S2), 'AI_TRAINING'),
    t8: transfer('trf-scn-8', '2024-03-15T10:00:00Z', ALPHA, BETA, study$(UID.S8), AI),
    // Before beta got S8 from alpha: not a hop of a chain from alpha.
    t8x: transfer('trf-scn-8x', '2024-03-10T10:00:00Z', BETA, DELTA, study$(UID.S8), AI),
    // Alpha's agreement closes at 2025-12-31T23:59:59.999Z (expiresAt date).
    t11a: transfer('trf-scn-11a', '2025-12-31T23:59:59.999Z', ALPHA, BETA, study$(UID.S2), AI),
    t11b: transfer('trf-scn-11b', '2026-01-01T00:00:00Z', ALPHA, BETA, study$(UID.S2), AI),
    t10a: transfer('trf-scn-10a', '2024-03-10T10:00:00Z', ALPHA, BETA, study$(UID.S10), AI),
    t10b: transfer('trf-scn-10b', '2024-03-20T10:00:00Z', BETA, DELTA, study$(UID.S10), AI),
    // --- models and deletions
    mIch: make(
      'org.scantrail.model.trained',
      {
        vendorId: BETA,
        modelId: MODEL_ICH,
        modelVersion: '1.0.0',
        target: dataset$(DS1),
        usage: 'TRAINING',
      },
      '2024-08-10T10:00:00Z',
      { id: 'evt-model-ich', source: SRC.portal },
    ),
    mCxr: make(
      'org.scantrail.model.trained',
      {
        vendorId: ALPHA,
        modelId: MODEL_CXR,
        modelVersion: '2.1.0',
        target: study$(UID.S2),
        usage: 'VALIDATION',
      },
      '2024-07-01T10:00:00Z',
      { id: 'evt-model-cxr', source: SRC.portal },
    ),
    delD1A: deletion('evt-del-beta-d1a', '2024-10-01T10:00:00Z', BETA, study$(UID.D1A)),
    delS8Alpha: deletion('evt-del-alpha-s8', '2024-06-01T10:00:00Z', ALPHA, study$(UID.S8)),
    delS9Early: deletion('evt-del-alpha-s9', '2024-03-01T10:00:00Z', ALPHA, study$(UID.S9)),
    delS10Alpha: deletion('evt-del-alpha-s10', '2024-06-01T10:00:00Z', ALPHA, study$(UID.S10)),
    delS10Beta: deletion('evt-del-beta-s10', '2024-06-01T10:00:00Z', BETA, study$(UID.S10)),

    // --- consent and retention edge cases, all disclosed to epsilon
    vEpsilon: vendor('evt-vendor-epsilon', SRC.procurement, '2024-01-01T08:00:00Z', {
      vendorId: EPSILON,
      name: VENDOR_NAMES.epsilon,
      role: 'AI_DEVELOPER',
    }),
    agrEpsilon: agreement('evt-agr-epsilon', '2023-12-15T10:00:00Z', {
      agreementId: 'agr-scn-epsilon',
      vendorId: EPSILON,
      kind: 'DUA',
      permittedPurposes: ['AI_TRAINING', 'RESEARCH'],
      effectiveFrom: '2024-01-01',
      allowsOnwardTransfer: false,
    }),
    stS11: study(UID.S11, 'p11', 'CR', 'CHEST', '2024-01-20'),
    stS12: study(UID.S12, 'p12', 'CR', 'CHEST', '2024-01-20'),
    stS13: study(UID.S13, 'p13', 'CR', 'CHEST', '2024-01-20'),
    stS14: study(UID.S14, 'p14', 'MR', 'HEAD', '2024-01-20'),
    stS15: study(UID.S15, 'p15', 'CR', 'CHEST', '2024-01-20'),
    stS16: study(UID.S16, 'p16', 'CR', 'CHEST', '2024-01-20'),
    deD7C: deidentified(UID.D7B, UID.D7C, ['113102'], '2024-04-04T10:00:00Z'),
    // P11: revoked before its period began.
    cnsP11: consent('cns-scn-p11', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p11 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      vendorIds: [EPSILON],
      validFrom: '2024-06-01',
    }),
    rvP11: revocation('cns-scn-p11', '2024-03-01T00:00:00Z'),
    // P12: a RESEARCH consent, revoked.
    cnsP12: consent('cns-scn-p12', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p12 },
      decision: 'PERMIT',
      purposes: ['RESEARCH'],
      validFrom: '2024-01-01',
    }),
    rvP12: revocation('cns-scn-p12', '2024-02-01T00:00:00Z'),
    // P13: two covering consents, one revoked later.
    cnsP13a: consent('cns-scn-p13a', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p13 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      validFrom: '2024-01-01',
    }),
    cnsP13b: consent('cns-scn-p13b', '2024-01-06T10:00:00Z', {
      patient: { ...PATIENTS.p13 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING', 'RESEARCH'],
      vendorIds: [EPSILON],
      validFrom: '2024-01-01',
    }),
    rvP13a: revocation('cns-scn-p13a', '2024-05-01T00:00:00Z'),
    // P14: the uid is in scope but the modality is not; three DENYs that do not apply.
    cnsP14: consent('cns-scn-p14', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p14 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      scope: { studyInstanceUids: [UID.S14], modalities: ['CT'] },
      validFrom: '2024-01-01',
    }),
    denyP14OtherVendor: consent('cns-scn-p14-deny-alpha', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p14 },
      decision: 'DENY',
      purposes: ['AI_TRAINING'],
      vendorIds: [ALPHA],
      validFrom: '2024-01-01',
    }),
    denyP14Revoked: consent('cns-scn-p14-deny-revoked', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p14 },
      decision: 'DENY',
      purposes: ['AI_TRAINING'],
      validFrom: '2024-01-01',
    }),
    rvDenyP14: revocation('cns-scn-p14-deny-revoked', '2024-03-01T00:00:00Z'),
    denyP14Ended: consent('cns-scn-p14-deny-ended', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p14 },
      decision: 'DENY',
      purposes: ['AI_TRAINING'],
      validFrom: '2024-01-01',
      validUntil: '2024-02-29',
    }),
    // P15: two covering consents revoked at different times; deletion in between.
    cnsP15a: consent('cns-scn-p15a', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p15 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      validFrom: '2024-01-01',
    }),
    cnsP15b: consent('cns-scn-p15b', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p15 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      vendorIds: [EPSILON],
      validFrom: '2024-01-01',
    }),
    rvP15a: revocation('cns-scn-p15a', '2024-04-01T00:00:00Z'),
    rvP15b: revocation('cns-scn-p15b', '2024-06-01T00:00:00Z'),
    delS15: deletion('evt-del-eps-s15', '2024-05-01T10:00:00Z', EPSILON, study$(UID.S15)),
    // P16: its study joins DS16 only after epsilon deleted DS16.
    cnsP16: consent('cns-scn-p16', '2024-01-05T10:00:00Z', {
      patient: { ...PATIENTS.p16 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      validFrom: '2024-01-01',
    }),
    rvP16: revocation('cns-scn-p16', '2024-04-01T00:00:00Z'),
    ds16a: dataset('evt-ds16-a', DS16, [UID.S15], '2024-04-10T10:00:00Z'),
    delDs16: deletion('evt-del-eps-ds16', '2024-05-01T10:00:00Z', EPSILON, dataset$(DS16)),
    ds16b: dataset('evt-ds16-b', DS16, [UID.S16], '2024-05-15T10:00:00Z'),
    e1: disclosure('dsc-scn-e1', '2024-04-01T10:00:00Z', EPSILON, study$(UID.S11), AI, AUTH),
    e2: disclosure('dsc-scn-e2', '2024-04-01T10:00:00Z', EPSILON, study$(UID.S12), AI, AUTH),
    e3: disclosure('dsc-scn-e3', '2024-03-01T10:00:00Z', EPSILON, study$(UID.S13), AI, AUTH),
    e4: disclosure('dsc-scn-e4', '2024-04-01T10:00:00Z', EPSILON, study$(UID.S14), AI, AUTH),
    e5: disclosure('dsc-scn-e5', '2024-03-01T10:00:00Z', EPSILON, study$(UID.S15), AI, AUTH),
    e6: disclosure('dsc-scn-e6', '2024-03-01T10:00:00Z', EPSILON, study$(UID.S16), AI, AUTH),
    e7: disclosure('dsc-scn-e7', '2024-05-25T10:00:00Z', EPSILON, study$(UID.D7C), AI, DEID),
    e8: disclosure(
      'dsc-scn-e8',
      '2024-04-05T10:00:00Z',
      EPSILON,
      study$(UID.S11),
      'PUBLIC_HEALTH',
      LDS,
    ),
    // At the very instant of the revocation ("at or before t").
    e9: disclosure('dsc-scn-e9', '2024-02-01T00:00:00Z', EPSILON, study$(UID.S12), RES, AUTH),

    // ===== phase 2: published only after phase 1 is in the ledger
    vAlphaNew: vendor('evt-vendor-alpha-2', SRC.procurement, '2024-06-01T08:00:00Z', {
      vendorId: ALPHA,
      name: VENDOR_NAMES.alpha,
      address: ALPHA_ADDRESS,
      role: 'AI_DEVELOPER',
    }),
    vAlphaStale: vendor('evt-vendor-alpha-0', SRC.procurement, '2023-06-01T08:00:00Z', {
      vendorId: ALPHA,
      name: VENDOR_NAMES.alphaStale,
      address: '0 Stale Street',
      role: 'AI_DEVELOPER',
    }),
    // Late, but dated before xDs1 (2024-07-10) and t2: both carry D7 as if it came in time.
    ds1Late: dataset('evt-ds1-late', DS1, [UID.D7], '2024-07-05T10:00:00Z'),
    denyP5: consent('cns-scn-p5-deny', '2024-06-20T10:00:00Z', {
      patient: { ...PATIENTS.p5 },
      decision: 'DENY',
      purposes: ['AI_TRAINING'],
      validFrom: '2024-05-01',
    }),
    cnsP6: consent('cns-scn-p6', '2024-06-30T10:00:00Z', {
      patient: { ...PATIENTS.p6 },
      decision: 'PERMIT',
      purposes: ['AI_TRAINING'],
      vendorIds: [ALPHA],
      validFrom: '2024-06-01',
    }),
    delDs8Beta: deletion('evt-del-beta-ds8', '2024-06-15T10:00:00Z', BETA, dataset$(DS8)),
    // Same time as vGamma, later in the ledger: the tie goes to the later sequence.
    vGammaTie: vendor('evt-vendor-gamma-2', SRC.procurement, '2024-01-01T08:00:00Z', {
      vendorId: GAMMA,
      name: VENDOR_NAMES.gamma,
      address: GAMMA_ADDRESS,
      role: 'RESEARCH_PARTNER',
    }),
  };
}

export type ScenarioEvents = ReturnType<typeof scenarioEvents>;
export type EventName = keyof ScenarioEvents;

/** Late events produced by key, before the bad messages. */
const PHASE_2: readonly EventName[] = ['vAlphaNew', 'vAlphaStale', 'denyP5', 'ds1Late'];
/** Late events produced after the bad messages, one to each partition. */
const AFTER_BAD: readonly [EventName, number][] = [
  ['vGammaTie', 0],
  ['cnsP6', 1],
  ['delDs8Beta', 2],
];

/** A message produced to a chosen partition, so its coordinates are known to the test. */
export interface PlacedMessage {
  key: string;
  value: Buffer;
  partition: number;
}

/** A message that must end in the quarantine. */
export interface BadMessage extends PlacedMessage {
  what: string;
}

export interface Scenario {
  events: ScenarioEvents;
  /**
   * Phase 1, in REVERSE of the natural order (disclosures before the studies, consents,
   * agreements and vendors they concern): results must not depend on arrival order.
   */
  phase1: ScenarioEvent[];
  /** Late events, then three re-published phase-1 events (two byte for byte, one re-serialized). */
  phase2: ScenarioEvent[];
  duplicates: ScenarioEvent[];
  bad: BadMessage[];
  /** Late events placed after the bad messages on every partition: none is blocked. */
  afterBad: (PlacedMessage & { event: ScenarioEvent })[];
  /** Every distinct valid event: exactly what the ledger must hold. */
  distinct: ScenarioEvent[];
}

export function buildScenario(): Scenario {
  const events = scenarioEvents();
  const all = Object.entries(events) as [EventName, ScenarioEvent][];
  const phase1 = all
    .filter(([name]) => !PHASE_2.includes(name) && !AFTER_BAD.some(([n]) => n === name))
    .map(([, e]) => e)
    .reverse();
  const late = PHASE_2.map((name) => events[name] as ScenarioEvent);
  const afterBad = AFTER_BAD.map(([name, partition]) => {
    const event = events[name] as ScenarioEvent;
    return { key: event.key, value: event.value, partition, event };
  });
  // The same event (source, id) re-published: twice byte for byte, once re-serialized.
  const reserialized = Buffer.from(JSON.stringify(events.x2.event, null, 2), 'utf8');
  const duplicates = [
    events.xAuthOk,
    events.vBeta,
    { ...events.x2, value: reserialized },
  ] as ScenarioEvent[];
  const bad: BadMessage[] = [
    {
      what: 'not JSON',
      key: 'bad-json',
      value: Buffer.from('{"specversion":"1.0","id":"bad-1","source":', 'utf8'),
      partition: 0,
    },
    {
      what: 'JSON but not a CloudEvent',
      key: 'bad-envelope',
      value: Buffer.from('{"hello":"world","count":3}', 'utf8'),
      partition: 1,
    },
    {
      what: 'an unknown type',
      key: 'bad-type',
      value: encodeEvent(
        cloudEvent(
          'org.scantrail.study.exploded',
          { studyInstanceUid: '1.2.3' },
          {
            id: 'evt-bad-type',
            source: SRC.ris,
          },
        ),
      ),
      partition: 2,
    },
    {
      what: 'data breaking its schema (empty list)',
      key: 'ds-bad',
      value: encodeEvent(
        cloudEvent(
          'org.scantrail.dataset.assembled',
          { datasetId: 'ds-bad', name: 'x', studyInstanceUids: [] },
          {
            id: 'evt-bad-empty-list',
            source: SRC.privacy,
          },
        ),
      ),
      partition: 1,
    },
    {
      what: 'data breaking its schema (target with both ids)',
      key: UID.S1,
      value: encodeEvent(
        cloudEvent(
          'org.scantrail.disclosure.recorded',
          {
            disclosureId: 'dsc-bad',
            recipientVendorId: ALPHA,
            target: { studyInstanceUid: UID.S1, datasetId: DS1 },
            purpose: 'AI_TRAINING',
            legalBasis: 'DEIDENTIFIED',
          },
          { id: 'evt-bad-target', source: SRC.privacy },
        ),
      ),
      partition: 0,
    },
    {
      what: 'bytes that are not UTF-8',
      key: 'bad-utf8',
      value: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d]),
      partition: 2,
    },
    {
      what: 'a study breaking its schema, with a patient identifier inside',
      key: '1.2.826.0.1.3680043.10.543.99.1',
      value: encodeEvent(
        cloudEvent(
          'org.scantrail.study.registered',
          {
            studyInstanceUid: '1.2.826.0.1.3680043.10.543.99.1',
            patient: { system: MRN_SYSTEM, value: QUARANTINED_MRN },
            bodyPart: 'HEAD',
            studyDate: '2024-13-45',
            facility: 'Northfield General Hospital',
          },
          { id: 'evt-bad-study', source: SRC.ris },
        ),
      ),
      partition: 1,
    },
  ];
  return {
    events,
    phase1,
    phase2: [...late, ...duplicates],
    duplicates,
    bad,
    afterBad,
    distinct: [...phase1, ...late, ...afterBad.map((m) => m.event)],
  };
}
