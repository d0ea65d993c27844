// Small factories for compliance unit tests: a default fact of each kind, overridable.
import type {
  AgreementFact,
  ComplianceWorld,
  ConsentFact,
  DatasetMemberFact,
  DeletionFact,
  DisclosureFact,
  Finding,
  StudyFact,
  TransferFact,
} from '../facts';

export const DAY_MS = 86_400_000;
const EPOCH = Date.UTC(2024, 0, 1);

/** Midnight UTC of day n after 2024-01-01; ms shifts by milliseconds for edge cases. */
export function day(n: number, ms = 0): number {
  return EPOCH + n * DAY_MS + ms;
}

export function aWorld(parts: Partial<ComplianceWorld> = {}): ComplianceWorld {
  return {
    studies: [],
    consents: [],
    agreements: [],
    datasetMembers: [],
    disclosures: [],
    transfers: [],
    deletions: [],
    ...parts,
  };
}

export function anOriginal(
  studyInstanceUid: string,
  details: Partial<Omit<StudyFact, 'studyInstanceUid'>> = {},
): StudyFact {
  return { studyInstanceUid, patient: 'PSN-1', modality: 'CT', bodyPart: 'HEAD', ...details };
}

export function aDerivative(
  studyInstanceUid: string,
  derivedFrom: string,
  methodCodes: readonly string[],
): StudyFact {
  return { studyInstanceUid, derivedFrom, methodCodes };
}

export function aPermit(overrides: Partial<ConsentFact> = {}): ConsentFact {
  return {
    consentId: 'C1',
    patient: 'PSN-1',
    decision: 'PERMIT',
    purposes: ['RESEARCH'],
    validFrom: day(0),
    ...overrides,
  };
}

export function aDeny(overrides: Partial<ConsentFact> = {}): ConsentFact {
  return aPermit({ consentId: 'C-DENY', decision: 'DENY', ...overrides });
}

export function anAgreement(overrides: Partial<AgreementFact> = {}): AgreementFact {
  return {
    agreementId: 'A1',
    vendorId: 'V1',
    permittedPurposes: ['RESEARCH'],
    effectiveFrom: day(0),
    allowsOnwardTransfer: true,
    ...overrides,
  };
}

export function members(
  datasetId: string,
  uids: readonly string[],
  addedAt: number,
): DatasetMemberFact[] {
  return uids.map((studyInstanceUid) => ({ datasetId, studyInstanceUid, addedAt }));
}

export function aDisclosure(overrides: Partial<DisclosureFact> = {}): DisclosureFact {
  return {
    eventId: 'E-D1',
    ledgerSequence: 100,
    at: day(10),
    disclosureId: 'D1',
    recipientVendorId: 'V1',
    target: { studyInstanceUid: 'S1' },
    purpose: 'RESEARCH',
    legalBasis: 'PATIENT_AUTHORIZATION',
    ...overrides,
  };
}

export function aTransfer(overrides: Partial<TransferFact> = {}): TransferFact {
  return {
    eventId: 'E-T1',
    ledgerSequence: 200,
    at: day(20),
    transferId: 'T1',
    fromVendorId: 'V1',
    toVendorId: 'V2',
    target: { studyInstanceUid: 'S1' },
    purpose: 'RESEARCH',
    ...overrides,
  };
}

export function aDeletion(overrides: Partial<DeletionFact> = {}): DeletionFact {
  return {
    eventId: 'E-X1',
    ledgerSequence: 300,
    at: day(30),
    vendorId: 'V1',
    target: { studyInstanceUid: 'S1' },
    ...overrides,
  };
}

/**
 * A reference hospital for table tests. Patient PSN-1: S1 CT HEAD, S2 MR CHEST, S3 MR BRAIN,
 * S4 CR HEAD, and derivatives named by what they carry (FULL = 113100+113101+113102).
 * Patient PSN-2: S9 CT CHEST. V1 and V2 may receive RESEARCH data and pass it on; V1 also
 * AI_TRAINING; V3 may receive RESEARCH but not pass it on. PSN-1 permits RESEARCH and
 * AI_TRAINING for any recipient from day 0.
 */
export const REFERENCE_STUDIES: readonly StudyFact[] = [
  anOriginal('S1'),
  anOriginal('S2', { modality: 'MR', bodyPart: 'CHEST' }),
  anOriginal('S3', { modality: 'MR', bodyPart: 'BRAIN' }),
  anOriginal('S4', { modality: 'CR', bodyPart: 'HEAD' }),
  anOriginal('S9', { patient: 'PSN-2', bodyPart: 'CHEST' }),
  aDerivative('S1-FULL', 'S1', ['113100', '113101', '113102']),
  aDerivative('S1-FULL-FULL', 'S1-FULL', ['113100', '113101', '113102']),
  aDerivative('S1-FULL-BASIC', 'S1-FULL', ['113100']),
  aDerivative('S1-FULL-NOBASIC', 'S1-FULL', ['113101', '113102']),
  aDerivative('S1-BASIC', 'S1', ['113100']),
  aDerivative('S2-NOBASIC', 'S2', ['113101']),
  aDerivative('S3-BASIC', 'S3', ['113100']),
  aDerivative('S4-BASIC', 'S4', ['113100']),
  aDerivative('ORPHAN-BASIC', 'UNREGISTERED', ['113100']),
];

export const REFERENCE_AGREEMENTS: readonly AgreementFact[] = [
  anAgreement({
    agreementId: 'A1',
    vendorId: 'V1',
    permittedPurposes: ['RESEARCH', 'AI_TRAINING'],
  }),
  anAgreement({ agreementId: 'A2', vendorId: 'V2' }),
  anAgreement({ agreementId: 'A3', vendorId: 'V3', allowsOnwardTransfer: false }),
];

export const REFERENCE_CONSENT = aPermit({ purposes: ['RESEARCH', 'AI_TRAINING'] });

/** What a table case changes in the reference world; lists given replace the reference's. */
export interface Scenario {
  studies?: readonly StudyFact[];
  consents?: readonly ConsentFact[];
  agreements?: readonly AgreementFact[];
  datasetMembers?: readonly DatasetMemberFact[];
  /** Overrides of the one default disclosure (ignored when `disclosures` is given). */
  disclosure?: Partial<DisclosureFact>;
  disclosures?: readonly DisclosureFact[];
  transfers?: readonly TransferFact[];
  deletions?: readonly DeletionFact[];
}

export function referenceWorld(scenario: Scenario = {}): ComplianceWorld {
  return aWorld({
    studies: [...REFERENCE_STUDIES, ...(scenario.studies ?? [])],
    consents: scenario.consents ?? [REFERENCE_CONSENT],
    agreements: scenario.agreements ?? REFERENCE_AGREEMENTS,
    datasetMembers: scenario.datasetMembers ?? [],
    disclosures: scenario.disclosures ?? [aDisclosure(scenario.disclosure)],
    transfers: scenario.transfers ?? [],
    deletions: scenario.deletions ?? [],
  });
}

/** "CODE@studyUid" of the findings about one event, sorted: compact table expectations. */
export function codesOf(findings: readonly Finding[], eventId: string): string[] {
  return findings
    .filter((finding) => finding.eventId === eventId)
    .map((finding) => `${finding.code}@${finding.studyInstanceUid}`)
    .sort();
}
