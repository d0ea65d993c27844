// The closed vocabularies of CONTRACT.md section 1. Arrays are the source of truth so that
// schemas, JSON Schema enums and type unions cannot drift apart.

export const EVENT_TYPE = {
  vendorRegistered: 'org.scantrail.vendor.registered',
  agreementSigned: 'org.scantrail.agreement.signed',
  agreementTerminated: 'org.scantrail.agreement.terminated',
  studyRegistered: 'org.scantrail.study.registered',
  studyDeidentified: 'org.scantrail.study.deidentified',
  consentRecorded: 'org.scantrail.consent.recorded',
  consentRevoked: 'org.scantrail.consent.revoked',
  datasetAssembled: 'org.scantrail.dataset.assembled',
  disclosureRecorded: 'org.scantrail.disclosure.recorded',
  transferOnward: 'org.scantrail.transfer.onward',
  modelTrained: 'org.scantrail.model.trained',
  deletionAttested: 'org.scantrail.deletion.attested',
  deletionRequested: 'org.scantrail.deletion.requested',
  breachReported: 'org.scantrail.breach.reported',
  deidentificationInspected: 'org.scantrail.deidentification.inspected',
} as const;

export type EventType = (typeof EVENT_TYPE)[keyof typeof EVENT_TYPE];

export const EVENT_TYPES: readonly EventType[] = Object.freeze(Object.values(EVENT_TYPE));

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export const PURPOSES = [
  'TREATMENT',
  'PAYMENT',
  'HEALTHCARE_OPERATIONS',
  'QUALITY_IMPROVEMENT',
  'RESEARCH',
  'AI_TRAINING',
  'AI_VALIDATION',
  'PRODUCT_DEVELOPMENT',
  'PUBLIC_HEALTH',
  'REQUIRED_BY_LAW',
] as const;
export type Purpose = (typeof PURPOSES)[number];

export const VENDOR_ROLES = ['AI_DEVELOPER', 'CLOUD_HOST', 'RESEARCH_PARTNER', 'OTHER'] as const;
export type VendorRole = (typeof VENDOR_ROLES)[number];

export const AGREEMENT_KINDS = ['BAA', 'DUA', 'LDS_DUA', 'RESEARCH_AGREEMENT'] as const;
export type AgreementKind = (typeof AGREEMENT_KINDS)[number];

export const CONSENT_DECISIONS = ['PERMIT', 'DENY'] as const;
export type ConsentDecision = (typeof CONSENT_DECISIONS)[number];

export const LEGAL_BASES = [
  'PATIENT_AUTHORIZATION',
  'DEIDENTIFIED',
  'LIMITED_DATA_SET',
  'IRB_WAIVER',
  'TREATMENT',
  'HEALTHCARE_OPERATIONS',
  'REQUIRED_BY_LAW',
] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export const INSPECTION_RESULTS = ['PASS', 'FAIL'] as const;
export type InspectionResult = (typeof INSPECTION_RESULTS)[number];

export const MODEL_USAGES = ['TRAINING', 'VALIDATION', 'TESTING'] as const;
export type ModelUsage = (typeof MODEL_USAGES)[number];
