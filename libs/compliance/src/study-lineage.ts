import type { StudyFact } from './facts';

/** A study as the findings judge it: its own derivation facts plus its original's registration. */
export interface ResolvedStudy {
  studyInstanceUid: string;
  /** Its own uid first, then each ancestor up to the original (stops at a cycle). */
  lineage: readonly string[];
  /** The last uid of `lineage`: the study it was (ultimately) derived from, or itself. */
  originalStudyInstanceUid: string;
  /** Known to come from a study.deidentified event. */
  isDerivative: boolean;
  /** Its own method codes (a derivative does not inherit its source's). */
  methodCodes: readonly string[];
  /** Of the original study; undefined when no study in the lineage is registered. */
  patient?: string;
  patientSystem?: string;
  patientValuePseudonym?: string;
  modality?: string;
  bodyPart?: string;
}

/**
 * One fact per uid. Duplicate facts for a uid are merged field by field with a choice that
 * does not depend on their order (the smaller string wins a conflict, method codes are united).
 */
export function indexStudies(studies: readonly StudyFact[]): Map<string, StudyFact> {
  const byUid = new Map<string, StudyFact>();
  for (const fact of studies) {
    const known = byUid.get(fact.studyInstanceUid);
    byUid.set(fact.studyInstanceUid, known ? mergeStudyFacts(known, fact) : fact);
  }
  return byUid;
}

function mergeStudyFacts(a: StudyFact, b: StudyFact): StudyFact {
  const merged: StudyFact = { studyInstanceUid: a.studyInstanceUid };
  const patient = smaller(a.patient, b.patient);
  const patientSystem = smaller(a.patientSystem, b.patientSystem);
  const patientValuePseudonym = smaller(a.patientValuePseudonym, b.patientValuePseudonym);
  const modality = smaller(a.modality, b.modality);
  const bodyPart = smaller(a.bodyPart, b.bodyPart);
  const derivedFrom = smaller(a.derivedFrom, b.derivedFrom);
  if (patient !== undefined) merged.patient = patient;
  if (patientSystem !== undefined) merged.patientSystem = patientSystem;
  if (patientValuePseudonym !== undefined) merged.patientValuePseudonym = patientValuePseudonym;
  if (modality !== undefined) merged.modality = modality;
  if (bodyPart !== undefined) merged.bodyPart = bodyPart;
  if (derivedFrom !== undefined) merged.derivedFrom = derivedFrom;
  if (a.methodCodes !== undefined || b.methodCodes !== undefined) {
    merged.methodCodes = [...new Set([...(a.methodCodes ?? []), ...(b.methodCodes ?? [])])].sort();
  }
  return merged;
}

function smaller(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b < a ? b : a;
}

/**
 * Resolves a study through its derivedFrom chain (a derivative of a derivative too).
 * Patient, modality and body part come from the original; where the original is not
 * registered (yet), from the registered ancestor closest to it, so that a partly known
 * chain still says what it can.
 */
export function resolveStudy(
  studyInstanceUid: string,
  studies: ReadonlyMap<string, StudyFact>,
): ResolvedStudy {
  const own = studies.get(studyInstanceUid);
  const lineage = [studyInstanceUid];
  const seen = new Set(lineage);
  for (let parent = own?.derivedFrom; parent !== undefined && !seen.has(parent);) {
    lineage.push(parent);
    seen.add(parent);
    parent = studies.get(parent)?.derivedFrom;
  }
  const resolved: ResolvedStudy = {
    studyInstanceUid,
    lineage,
    originalStudyInstanceUid: lineage[lineage.length - 1],
    isDerivative: own?.derivedFrom !== undefined,
    methodCodes: own?.methodCodes ?? [],
  };
  const patient = closestToOriginal(lineage, studies, (s) => s.patient);
  const modality = closestToOriginal(lineage, studies, (s) => s.modality);
  const bodyPart = closestToOriginal(lineage, studies, (s) => s.bodyPart);
  if (patient !== undefined) resolved.patient = patient;
  const system = closestToOriginal(lineage, studies, (s) => s.patientSystem);
  const valuePseudonym = closestToOriginal(lineage, studies, (s) => s.patientValuePseudonym);
  if (system !== undefined) resolved.patientSystem = system;
  if (valuePseudonym !== undefined) resolved.patientValuePseudonym = valuePseudonym;
  if (modality !== undefined) resolved.modality = modality;
  if (bodyPart !== undefined) resolved.bodyPart = bodyPart;
  return resolved;
}

function closestToOriginal(
  lineage: readonly string[],
  studies: ReadonlyMap<string, StudyFact>,
  field: (study: StudyFact) => string | undefined,
): string | undefined {
  for (let i = lineage.length - 1; i >= 0; i--) {
    const fact = studies.get(lineage[i]);
    const value = fact ? field(fact) : undefined;
    if (value !== undefined) return value;
  }
  return undefined;
}
