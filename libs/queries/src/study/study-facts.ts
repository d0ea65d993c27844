import { readSql } from '../sql/read-sql';
import { rows, type Queryable } from '../sql/queryable';
import type { StudyView } from '../views/read-views';

/** What study-facts.sql reads of a study (trace.sql reads the same for its study labels). */
export interface StudyFactFields {
  derived_from: string | null;
  method_codes: string[];
  modality: string | null;
  body_part: string | null;
  study_date: string | null;
}

interface StudyFactRow extends StudyFactFields {
  study_uid: string;
}

/** The study `uid` as its fields read. */
export function studyViewOf(uid: string, r: StudyFactFields): StudyView {
  return {
    studyInstanceUid: uid,
    modality: r.modality ?? 'UNKNOWN',
    bodyPart: r.body_part,
    studyDate: r.study_date,
    derivedFrom: r.derived_from,
    methodCodes: r.method_codes,
    isDerivative: r.derived_from !== null,
  };
}

/** Known studies by uid, unscoped: callers decide what the viewer may see first. */
export async function loadStudyFacts(
  db: Queryable,
  uids: readonly string[],
): Promise<Map<string, StudyView>> {
  const found = new Map<string, StudyView>();
  if (uids.length === 0) return found;
  for (const r of await rows<StudyFactRow>(db, readSql('study-facts'), [[...uids]])) {
    found.set(r.study_uid, studyViewOf(r.study_uid, r));
  }
  return found;
}

/** Which of the studies the vendor received (see study-reach.sql). */
export async function studiesReachedBy(
  db: Queryable,
  vendorId: string,
  uids: readonly string[],
): Promise<Set<string>> {
  if (uids.length === 0) return new Set();
  const reached = await rows<{ study_uid: string }>(db, readSql('study-reach'), [
    vendorId,
    [...uids],
  ]);
  return new Set(reached.map((r) => r.study_uid));
}
