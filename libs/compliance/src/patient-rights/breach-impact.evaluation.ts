import { compareStrings } from '../finding-order';
import { notificationDeadlines } from './notification-deadlines';
import type { PatientRightsIndex } from './patient-rights.index';
import type { BreachAffectedStudy, BreachFact, BreachImpactResult } from './patient-rights.facts';

/**
 * The studies a breach of vendor V affects and the notices it calls for (CONTRACT.md
 * section 3.1). Every event counts, whatever its time: build the index without asOf.
 * Only V's own holding periods overlapping the exposure window count.
 */
export function evaluateBreachImpact(
  breach: BreachFact,
  index: PatientRightsIndex,
): BreachImpactResult {
  const limit = affectedLimit(breach, index);
  const affected: BreachAffectedStudy[] = [];
  for (const uid of index.studiesReceivedBy(breach.vendorId)) {
    if (limit !== undefined && !limit.has(uid)) continue;
    const periods = index.holdingsOf(uid).get(breach.vendorId) ?? [];
    let receivedAt: number | undefined;
    for (const period of periods) {
      const startsInTime = period.start <= breach.exposureTo;
      const endsAfter =
        breach.exposureFrom === undefined ||
        period.end === undefined ||
        period.end > breach.exposureFrom;
      if (startsInTime && endsAfter && (receivedAt === undefined || period.start > receivedAt)) {
        receivedAt = period.start;
      }
    }
    if (receivedAt === undefined) continue;
    const deidentified = index.isProperlyDeidentified(uid);
    const study: BreachAffectedStudy = {
      studyInstanceUid: uid,
      receivedAt,
      deidentified,
      notificationRequired: !deidentified,
    };
    const patient = index.study(uid).patient;
    if (patient !== undefined) study.patient = patient;
    affected.push(study);
  }
  affected.sort((a, b) => compareStrings(a.studyInstanceUid, b.studyInstanceUid));
  const patients = new Set<string>();
  const toNotify = new Set<string>();
  for (const study of affected) {
    if (study.patient === undefined) continue;
    patients.add(study.patient);
    if (study.notificationRequired) toNotify.add(study.patient);
  }
  return {
    breachId: breach.breachId,
    vendorId: breach.vendorId,
    studiesAffected: affected.length,
    patientsAffected: patients.size,
    patientsToNotify: toNotify.size,
    ...notificationDeadlines(breach.discoveredAt, toNotify.size),
    affected,
  };
}

/** The studies `affectedTargets` names (a dataset: its members at exposureTo); undefined = all. */
function affectedLimit(breach: BreachFact, index: PatientRightsIndex): Set<string> | undefined {
  if (breach.affectedTargets === undefined) return undefined;
  const uids = new Set<string>();
  for (const target of breach.affectedTargets) {
    for (const uid of index.carried(target, breach.exposureTo)) uids.add(uid);
  }
  return uids;
}
