// The fictional hospital of the demo stream: its systems, vendors, agreements and the kinds
// of studies it makes. Names and addresses are invented (.example domains).
import type { AgreementKind, Purpose, VendorRole } from '@scantrail/contract';

export const HOSPITAL = 'northfield-general.example';

export const SOURCES = {
  pacs: `https://pacs.${HOSPITAL}/events`,
  deidentification: `https://deid.${HOSPITAL}/events`,
  consent: `https://consent.${HOSPITAL}/events`,
  contracts: `https://contracts.${HOSPITAL}/events`,
  releaseOfInformation: `https://roi.${HOSPITAL}/events`,
  research: `https://research.${HOSPITAL}/events`,
} as const;

export const PATIENT_SYSTEMS = [
  'urn:oid:2.16.840.1.113883.3.7', // the hospital's MRN
  'urn:oid:2.16.840.1.113883.3.7.2', // an affiliated clinic's MRN
] as const;

export const FACILITIES = [
  'Northfield General Hospital',
  'Northfield Imaging Center East',
  'Riverside Outpatient Radiology',
] as const;

export interface DemoVendor {
  vendorId: string;
  name: string;
  address: string;
  country: string;
  role: VendorRole;
  parentVendorId?: string;
  /** Where the vendor reports transfers, models and deletions from. */
  source: string;
}

export const VENDORS = {
  deepscan: {
    vendorId: 'vnd-deepscan',
    name: 'DeepScan AI, Inc.',
    address: '400 Harbor Blvd, Boston, MA 02110',
    country: 'US',
    role: 'AI_DEVELOPER',
    source: 'https://api.deepscan.example/scantrail',
  },
  stratus: {
    vendorId: 'vnd-stratus',
    name: 'Stratus Storage GmbH',
    address: 'Speicherstrasse 12, 60327 Frankfurt am Main',
    country: 'DE',
    role: 'CLOUD_HOST',
    parentVendorId: 'vnd-deepscan',
    source: 'https://api.stratus.example/scantrail',
  },
  nimbus: {
    vendorId: 'vnd-nimbus',
    name: 'Nimbus Teleradiology Cloud',
    address: '88 Market St, San Francisco, CA 94105',
    country: 'US',
    role: 'CLOUD_HOST',
    source: 'https://api.nimbus.example/scantrail',
  },
  university: {
    vendorId: 'vnd-northfield-univ',
    name: 'Northfield University Radiology Research Lab',
    address: '1 University Ave, Northfield, MN 55057',
    country: 'US',
    role: 'RESEARCH_PARTNER',
    source: 'https://research.northfield-univ.example/scantrail',
  },
  radiant: {
    vendorId: 'vnd-radiant',
    name: 'Radiant Diagnostics Ltd',
    address: '7 Canal Street, Manchester M1 3HE',
    country: 'GB',
    role: 'AI_DEVELOPER',
    source: 'https://api.radiant.example/scantrail',
  },
  medimind: {
    vendorId: 'vnd-medimind',
    name: 'MediMind Analytics',
    address: '2200 Innovation Way, Austin, TX 78701',
    country: 'US',
    role: 'AI_DEVELOPER',
    source: 'https://api.medimind.example/scantrail',
  },
  healthDepartment: {
    vendorId: 'vnd-state-health',
    name: 'State Department of Health',
    address: '625 Robert St N, St. Paul, MN 55155',
    country: 'US',
    role: 'OTHER',
    source: 'https://reporting.health.state.example/scantrail',
  },
  dataBroker: {
    vendorId: 'vnd-quantix',
    name: 'Quantix Data Exchange',
    address: 'PO Box 1180, Wilmington, DE 19899',
    country: 'US',
    role: 'OTHER',
    source: 'https://api.quantix.example/scantrail',
  },
} as const satisfies Record<string, DemoVendor>;

export type DemoVendorName = keyof typeof VENDORS;

export const AI_DEVELOPERS: readonly DemoVendorName[] = ['deepscan', 'radiant', 'medimind'];

export interface DemoAgreement {
  agreementId: string;
  vendor: DemoVendorName;
  kind: AgreementKind;
  permittedPurposes: Purpose[];
  allowsOnwardTransfer: boolean;
  /** How the stream ends it: by expiry part-way through, or by a termination event. */
  ending?: 'expires' | 'terminated';
}

export const AGREEMENTS: readonly DemoAgreement[] = [
  {
    agreementId: 'agr-deepscan-dua-2024',
    vendor: 'deepscan',
    kind: 'DUA',
    permittedPurposes: ['AI_TRAINING', 'AI_VALIDATION', 'PRODUCT_DEVELOPMENT', 'RESEARCH'],
    allowsOnwardTransfer: true,
  },
  {
    agreementId: 'agr-stratus-baa-2024',
    vendor: 'stratus',
    kind: 'BAA',
    permittedPurposes: ['AI_TRAINING', 'AI_VALIDATION', 'PRODUCT_DEVELOPMENT', 'RESEARCH'],
    allowsOnwardTransfer: false,
  },
  {
    agreementId: 'agr-nimbus-baa-2023',
    vendor: 'nimbus',
    kind: 'BAA',
    permittedPurposes: ['TREATMENT', 'PAYMENT', 'HEALTHCARE_OPERATIONS', 'QUALITY_IMPROVEMENT'],
    allowsOnwardTransfer: true,
  },
  {
    agreementId: 'agr-univ-research-2024',
    vendor: 'university',
    kind: 'RESEARCH_AGREEMENT',
    permittedPurposes: ['RESEARCH', 'AI_VALIDATION'],
    allowsOnwardTransfer: false,
  },
  {
    agreementId: 'agr-univ-lds-2024',
    vendor: 'university',
    kind: 'LDS_DUA',
    permittedPurposes: ['RESEARCH', 'PUBLIC_HEALTH'],
    allowsOnwardTransfer: false,
  },
  {
    agreementId: 'agr-radiant-dua-2024',
    vendor: 'radiant',
    kind: 'DUA',
    permittedPurposes: ['AI_TRAINING', 'AI_VALIDATION'],
    allowsOnwardTransfer: false,
    ending: 'expires',
  },
  {
    agreementId: 'agr-medimind-dua-2024',
    vendor: 'medimind',
    kind: 'DUA',
    permittedPurposes: ['AI_TRAINING', 'AI_VALIDATION', 'PRODUCT_DEVELOPMENT'],
    allowsOnwardTransfer: false,
    ending: 'terminated',
  },
];

export interface StudyKind {
  modality: string;
  bodyPart: string;
  description: string;
  weight: number;
}

export const STUDY_KINDS: readonly StudyKind[] = [
  { modality: 'CT', bodyPart: 'HEAD', description: 'CT HEAD WITHOUT CONTRAST', weight: 14 },
  {
    modality: 'MR',
    bodyPart: 'BRAIN',
    description: 'MRI BRAIN WITH AND WITHOUT CONTRAST',
    weight: 10,
  },
  { modality: 'CR', bodyPart: 'CHEST', description: 'XR CHEST 2 VIEWS', weight: 18 },
  { modality: 'DX', bodyPart: 'CHEST', description: 'XR CHEST PORTABLE', weight: 8 },
  { modality: 'MG', bodyPart: 'BREAST', description: 'MAMMOGRAM SCREENING BILATERAL', weight: 10 },
  {
    modality: 'CT',
    bodyPart: 'ABDOMEN',
    description: 'CT ABDOMEN PELVIS WITH CONTRAST',
    weight: 10,
  },
  { modality: 'CT', bodyPart: 'CHEST', description: 'CT CHEST LOW DOSE SCREENING', weight: 8 },
  { modality: 'MR', bodyPart: 'HEAD', description: 'MRI HEAD IAC PROTOCOL', weight: 3 },
  { modality: 'US', bodyPart: 'ABDOMEN', description: 'US ABDOMEN COMPLETE', weight: 7 },
  { modality: 'MR', bodyPart: 'KNEE', description: 'MRI KNEE WITHOUT CONTRAST', weight: 5 },
  { modality: 'PT', bodyPart: 'WHOLEBODY', description: 'PET/CT SKULL BASE TO THIGH', weight: 3 },
  { modality: 'XA', bodyPart: 'HEART', description: 'CORONARY ANGIOGRAPHY', weight: 2 },
  { modality: 'NM', bodyPart: 'BONE', description: 'NM BONE SCAN WHOLE BODY', weight: 2 },
];

export const STUDY_KIND_WEIGHTS: readonly number[] = STUDY_KINDS.map((k) => k.weight);

/** DICOM CID 7050 de-identification methods. */
export const METHOD = {
  basicProfile: '113100',
  retainSafePrivate: '113111',
  cleanPixelData: '113101',
  cleanRecognizableVisualFeatures: '113102',
  cleanGraphics: '113103',
  retainLongitudinalModifiedDates: '113107',
} as const;

export const DEIDENTIFICATION_TOOLS = [
  { name: 'Northfield DeID Gateway', version: '3.4.1' },
  { name: 'CTP DICOM Anonymizer', version: '2024.06' },
] as const;

export const DISCLOSURE_CHANNELS = ['sftp', 'dicomweb', 'secure-portal', 'cloud-bucket'];
export const APPROVERS = ['privacy-office', 'irb-office', 'him-release-desk', 'cmio'];
