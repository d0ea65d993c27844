// Small factories for deletion-request and breach unit tests.
import type { DeletionFact, DisclosureFact, TargetRef, TransferFact } from '../../facts';
import { day } from '../../testing/compliance-world.factory';
import type {
  BreachFact,
  DeletionRequestFact,
  InspectionFact,
  PatientRightsWorld,
  TimedStudyFact,
} from '../patient-rights.facts';

export { day };

let sequence = 0;
const nextSequence = (): number => ++sequence;

/** A target given as a bare string: "DS..." names a dataset, anything else a study. */
export function target(name: string): TargetRef {
  return name.startsWith('DS') ? { datasetId: name } : { studyInstanceUid: name };
}

export function registered(uid: string, patient = 'PSN-1', at = day(0)): TimedStudyFact {
  return {
    studyInstanceUid: uid,
    patient,
    patientSystem: 'urn:mrn',
    modality: 'CT',
    bodyPart: 'CHEST',
    registeredAt: at,
  };
}

export function derived(
  uid: string,
  from: string,
  methodCodes: readonly string[] = ['113100'],
  at = day(1),
): TimedStudyFact {
  return { studyInstanceUid: uid, derivedFrom: from, methodCodes, derivedAt: at };
}

export function disclosed(to: string, what: string, at: number, eventId?: string): DisclosureFact {
  const seq = nextSequence();
  return {
    eventId: eventId ?? `E-D${seq}`,
    ledgerSequence: seq,
    at,
    disclosureId: `D${seq}`,
    recipientVendorId: to,
    target: target(what),
    purpose: 'RESEARCH',
    legalBasis: 'PATIENT_AUTHORIZATION',
  };
}

export function transferred(
  from: string,
  to: string,
  what: string,
  at: number,
  eventId?: string,
): TransferFact {
  const seq = nextSequence();
  return {
    eventId: eventId ?? `E-T${seq}`,
    ledgerSequence: seq,
    at,
    transferId: `T${seq}`,
    fromVendorId: from,
    toVendorId: to,
    target: target(what),
    purpose: 'RESEARCH',
  };
}

export function attested(
  vendorId: string,
  what: string,
  at: number,
  eventId?: string,
): DeletionFact {
  const seq = nextSequence();
  return {
    eventId: eventId ?? `E-X${seq}`,
    ledgerSequence: seq,
    at,
    vendorId,
    target: target(what),
  };
}

export function inspected(
  uid: string,
  result: 'PASS' | 'FAIL',
  at: number,
  found?: InspectionFact['patientIdentifiersFound'],
): InspectionFact {
  const seq = nextSequence();
  const inspection: InspectionFact = {
    inspectionId: `I${seq}`,
    studyInstanceUid: uid,
    at,
    ledgerSequence: seq,
    result,
  };
  if (found !== undefined) inspection.patientIdentifiersFound = found;
  return inspection;
}

export function aRequest(overrides: Partial<DeletionRequestFact> = {}): DeletionRequestFact {
  return {
    eventId: 'E-R1',
    ledgerSequence: 1000,
    at: day(50),
    requestId: 'R1',
    patient: 'PSN-1',
    dueBy: day(80) - 1,
    ...overrides,
  };
}

export function aBreach(overrides: Partial<BreachFact> = {}): BreachFact {
  return {
    eventId: 'E-B1',
    ledgerSequence: 2000,
    at: day(100),
    breachId: 'B1',
    vendorId: 'V1',
    discoveredAt: day(100),
    exposureTo: day(100),
    ...overrides,
  };
}

export function aRightsWorld(parts: Partial<PatientRightsWorld> = {}): PatientRightsWorld {
  return {
    studies: [],
    datasetMembers: [],
    disclosures: [],
    transfers: [],
    deletions: [],
    inspections: [],
    ...parts,
  };
}
