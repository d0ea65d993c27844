import type { PatientRightsWorld } from '@scantrail/compliance';

/** One patient's part of a world loaded for several (patientWorld). */
export interface PatientWorld {
  world: PatientRightsWorld;
  /** Its studies: those registered to the patient and every derivative of them. */
  family: readonly string[];
  /**
   * The latest time of a registration, derivation or inspection among them (-Infinity:
   * none): from then on the family's study facts are all known, whatever asOf.
   */
  settledAt: number;
}

/**
 * The part of `world` that loadPatientsWorld reads for `patient` alone: its family
 * (PATIENT_FAMILIES), their facts, their dataset memberships, the events of them or of
 * those datasets, and their inspections. A request is evaluated over its own patient's
 * part, so that its answer does not depend on which other patients were loaded with it (a
 * list page, a chunk of the tally, the projection's batch) and equals `deletionRequest`'s.
 */
export function patientWorld(world: PatientRightsWorld, patient: string): PatientWorld {
  const derivatives = new Map<string, string[]>();
  for (const s of world.studies) {
    if (s.derivedFrom === undefined) continue;
    const list = derivatives.get(s.derivedFrom);
    if (list === undefined) derivatives.set(s.derivedFrom, [s.studyInstanceUid]);
    else list.push(s.studyInstanceUid);
  }
  const family = new Set<string>();
  const queue = world.studies.filter((s) => s.patient === patient).map((s) => s.studyInstanceUid);
  while (queue.length > 0) {
    const uid = queue.pop() as string;
    if (family.has(uid)) continue;
    family.add(uid);
    // One push per uid: a spread of a study's derivatives throws RangeError past ~125,000.
    for (const derived of derivatives.get(uid) ?? []) queue.push(derived);
  }
  const studies = world.studies.filter((s) => family.has(s.studyInstanceUid));
  const datasetMembers = world.datasetMembers.filter((m) => family.has(m.studyInstanceUid));
  const datasets = new Set(datasetMembers.map((m) => m.datasetId));
  const ofFamily = (e: { target: { studyInstanceUid?: string; datasetId?: string } }): boolean =>
    e.target.studyInstanceUid !== undefined
      ? family.has(e.target.studyInstanceUid)
      : e.target.datasetId !== undefined && datasets.has(e.target.datasetId);
  const inspections = world.inspections.filter((i) => family.has(i.studyInstanceUid));
  let settledAt = -Infinity;
  for (const s of studies) {
    if (s.registeredAt !== undefined) settledAt = Math.max(settledAt, s.registeredAt);
    if (s.derivedAt !== undefined) settledAt = Math.max(settledAt, s.derivedAt);
  }
  for (const i of inspections) settledAt = Math.max(settledAt, i.at);
  return {
    world: {
      studies,
      datasetMembers,
      disclosures: world.disclosures.filter(ofFamily),
      transfers: world.transfers.filter(ofFamily),
      deletions: world.deletions.filter(ofFamily),
      inspections,
    },
    family: [...family],
    settledAt,
  };
}
