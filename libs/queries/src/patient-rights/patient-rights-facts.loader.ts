import {
  datasetMemberFact,
  inspectionFact,
  type DeletionFact,
  type DisclosureReceipt,
  type PatientRightsWorld,
  type StoredDatasetMember,
  type StoredInspection,
  type TargetRef,
  type TimedStudyFact,
  type TransferReceipt,
} from '@scantrail/compliance';
import { readAll, rows, type Queryable } from '../sql/queryable';
import {
  EVENTS_OF_TARGETS,
  EVENTS_OF_TARGETS_OF_VENDORS,
  EVENTS_OF_VENDOR,
  INSPECTIONS_OF_STUDIES,
  MEMBERSHIPS_OF_STUDIES,
  MEMBERS_OF_DATASETS,
  PATIENT_FAMILIES,
  STUDY_FACTS,
  WITH_ANCESTORS,
} from './patient-rights.sql';

interface StudyRow {
  uid: string;
  patient: string | null;
  patient_system: string | null;
  patient_value_pseudonym: string | null;
  accession_number: string | null;
  modality: string | null;
  body_part: string | null;
  registered_at: Date | null;
  source_uid: string | null;
  method_codes: string[] | null;
  derived_at: Date | null;
}

interface EventRow {
  kind: 'D' | 'T' | 'X';
  event_id: string;
  ledger_sequence: string;
  occurred_at: Date;
  target_study_uid: string | null;
  target_dataset_id: string | null;
  vendor_id: string;
}

/** The facts of section 3.1 plus what the take-home files print beside them. */
export interface LoadedWorld {
  world: PatientRightsWorld;
  /** Accession numbers of registered studies, by uid. */
  accessionNumbers: ReadonlyMap<string, string>;
}

const EMPTY: LoadedWorld = {
  world: {
    studies: [],
    datasetMembers: [],
    disclosures: [],
    transfers: [],
    deletions: [],
    inspections: [],
  },
  accessionNumbers: new Map(),
};

/**
 * Everything that decides the deletion requests of these patients (pseudonyms); with
 * `vendors`, only those vendors' receipts and attestations (what decides their obligations).
 */
export async function loadPatientsWorld(
  db: Queryable,
  patients: readonly string[],
  vendors?: readonly string[],
): Promise<LoadedWorld> {
  if (patients.length === 0) return EMPTY;
  const family = (await rows<{ uid: string }>(db, PATIENT_FAMILIES, [[...new Set(patients)]])).map(
    (r) => r.uid,
  );
  if (family.length === 0) return EMPTY;
  const members = await rows<StoredDatasetMember>(db, MEMBERSHIPS_OF_STUDIES, [family]);
  const datasets = [...new Set(members.map((m) => m.dataset_id))];
  const [studies, events, inspections] = await readAll<
    [StudyRow[], EventRow[], StoredInspection[]]
  >(db, [
    () => rows<StudyRow>(db, STUDY_FACTS, [family]),
    () =>
      vendors === undefined
        ? rows<EventRow>(db, EVENTS_OF_TARGETS, [family, datasets])
        : rows<EventRow>(db, EVENTS_OF_TARGETS_OF_VENDORS, [family, datasets, vendors]),
    () => rows<StoredInspection>(db, INSPECTIONS_OF_STUDIES, [family]),
  ]);
  return assemble(studies, members, events, inspections);
}

/** Everything that decides what a breach of this vendor affects. */
export async function loadVendorWorld(db: Queryable, vendorId: string): Promise<LoadedWorld> {
  const events = await rows<EventRow>(db, EVENTS_OF_VENDOR, [vendorId]);
  if (events.length === 0) return EMPTY;
  const datasets = [
    ...new Set(events.flatMap((e) => (e.target_dataset_id ? [e.target_dataset_id] : []))),
  ];
  const members =
    datasets.length === 0
      ? []
      : await rows<StoredDatasetMember>(db, MEMBERS_OF_DATASETS, [datasets]);
  const held = new Set<string>();
  for (const e of events) if (e.target_study_uid) held.add(e.target_study_uid);
  for (const m of members) held.add(m.study_uid);
  const lineage = (await rows<{ uid: string }>(db, WITH_ANCESTORS, [[...held]])).map((r) => r.uid);
  const [studies, inspections] = await readAll<[StudyRow[], StoredInspection[]]>(db, [
    () => rows<StudyRow>(db, STUDY_FACTS, [lineage]),
    () => rows<StoredInspection>(db, INSPECTIONS_OF_STUDIES, [[...held]]),
  ]);
  return assemble(studies, members, events, inspections);
}

function assemble(
  studyRows: readonly StudyRow[],
  memberRows: readonly StoredDatasetMember[],
  eventRows: readonly EventRow[],
  inspectionRows: readonly StoredInspection[],
): LoadedWorld {
  const accessionNumbers = new Map<string, string>();
  const studies = studyRows.map((r) => {
    const fact: TimedStudyFact = { studyInstanceUid: r.uid };
    if (r.patient !== null) fact.patient = r.patient;
    if (r.patient_system !== null) fact.patientSystem = r.patient_system;
    if (r.patient_value_pseudonym !== null) fact.patientValuePseudonym = r.patient_value_pseudonym;
    if (r.modality !== null) fact.modality = r.modality;
    if (r.body_part !== null) fact.bodyPart = r.body_part;
    if (r.registered_at !== null) fact.registeredAt = r.registered_at.getTime();
    if (r.source_uid !== null) {
      fact.derivedFrom = r.source_uid;
      fact.methodCodes = r.method_codes ?? [];
      if (r.derived_at !== null) fact.derivedAt = r.derived_at.getTime();
    }
    if (r.accession_number !== null) accessionNumbers.set(r.uid, r.accession_number);
    return fact;
  });
  const datasetMembers = memberRows.map(datasetMemberFact);
  const disclosures: DisclosureReceipt[] = [];
  const transfers: TransferReceipt[] = [];
  const deletions: DeletionFact[] = [];
  for (const e of eventRows) {
    const target: TargetRef = e.target_study_uid
      ? { studyInstanceUid: e.target_study_uid }
      : { datasetId: e.target_dataset_id ?? '' };
    const ref = {
      eventId: e.event_id,
      ledgerSequence: Number(e.ledger_sequence),
      at: e.occurred_at.getTime(),
    };
    if (e.kind === 'X') deletions.push({ ...ref, vendorId: e.vendor_id, target });
    else if (e.kind === 'T') transfers.push({ ...ref, toVendorId: e.vendor_id, target });
    else disclosures.push({ ...ref, recipientVendorId: e.vendor_id, target });
  }
  const inspections = inspectionRows.map(inspectionFact);
  return {
    world: { studies, datasetMembers, disclosures, transfers, deletions, inspections },
    accessionNumbers,
  };
}
