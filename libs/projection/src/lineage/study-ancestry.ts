/** A study as the ancestry statement gives it: its source if it is a derivative, its patient if registered. */
export interface AncestryRow {
  uid: string;
  in_scope: boolean;
  source_uid: string | null;
  patient: string | null;
  patient_system: string | null;
  patient_value_pseudonym: string | null;
}

/** What rm_resolved_studies keeps of a study, before its de-identification is judged. */
export interface ResolvedStudy {
  uid: string;
  /** The end of its derivation chain (itself when it has no source), stopping at a cycle. */
  originalUid: string;
  /** Each the value of the study furthest up its chain that has one (a registration's). */
  patient: string | null;
  patientSystem: string | null;
  valuePseudonym: string | null;
}

type Walked = Omit<ResolvedStudy, 'uid'>;

/**
 * Resolves every in-scope study of `rows` as rm_resolved_studies' walk does (migration
 * 1764101000000): from the study up through its sources, never visiting a study twice, the
 * last study reached is its original and each patient field comes from the study furthest up
 * that has it. Each study's walk is its own: a study off a cycle walks exactly itself and
 * then its source's walk (it cannot be on its source's walk, or it would be on a cycle), so
 * one pass up each chain, remembered, resolves every study below; only studies on a cycle
 * walk the cycle each (every rotation differs). Work: the studies, plus the square of each
 * cycle's length.
 */
export function resolveAncestry(rows: readonly AncestryRow[]): ResolvedStudy[] {
  const byUid = new Map<string, AncestryRow>();
  for (const row of rows) byUid.set(row.uid, row);
  const sourceOf = (uid: string): string | undefined => byUid.get(uid)?.source_uid ?? undefined;
  const own = (uid: string): Walked => {
    const row = byUid.get(uid);
    return {
      originalUid: uid,
      patient: row?.patient ?? null,
      patientSystem: row?.patient_system ?? null,
      valuePseudonym: row?.patient_value_pseudonym ?? null,
    };
  };
  // The walk of `uid` when the walk of its source (above) is known.
  const below = (uid: string, above: Walked): Walked => {
    const mine = own(uid);
    return {
      originalUid: above.originalUid,
      patient: above.patient ?? mine.patient,
      patientSystem: above.patientSystem ?? mine.patientSystem,
      valuePseudonym: above.valuePseudonym ?? mine.valuePseudonym,
    };
  };
  const walked = new Map<string, Walked>();

  const walkFrom = (start: string): void => {
    // Up from `start` until a study walked before, the end of the chain, or a repeat.
    const path: string[] = [];
    const at = new Map<string, number>();
    let next: string | undefined = start;
    while (next !== undefined && !walked.has(next) && !at.has(next)) {
      at.set(next, path.length);
      path.push(next);
      next = sourceOf(next);
    }
    let offCycle = path.length;
    if (next !== undefined && at.has(next)) {
      // path[j..] is a cycle: each of its studies walks the whole cycle, starting with itself.
      const j = at.get(next)!;
      const cycle = path.slice(j);
      for (let i = 0; i < cycle.length; i += 1) {
        let result = own(cycle[(i + cycle.length - 1) % cycle.length]);
        for (let k = cycle.length - 2; k >= 0; k -= 1) {
          result = below(cycle[(i + k) % cycle.length], result);
        }
        walked.set(cycle[i], result);
      }
      offCycle = j;
    }
    // The rest, from the top down: each is itself and then its source's walk.
    for (let i = offCycle - 1; i >= 0; i -= 1) {
      const source = sourceOf(path[i]);
      const above = source === undefined ? undefined : walked.get(source);
      walked.set(path[i], above === undefined ? own(path[i]) : below(path[i], above));
    }
  };

  const resolved: ResolvedStudy[] = [];
  for (const row of rows) {
    if (!row.in_scope) continue;
    if (!walked.has(row.uid)) walkFrom(row.uid);
    resolved.push({ uid: row.uid, ...walked.get(row.uid)! });
  }
  return resolved;
}
