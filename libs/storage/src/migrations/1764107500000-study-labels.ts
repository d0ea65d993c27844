import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sets rm_derivations.label_uid of the derivatives in `scope` (a CTE naming them `uid`): the
 * registered study whose modality, body part and date label the derivative, as `trace` and
 * study-facts.sql read them: the registered study furthest up its derivation chain (itself
 * included), walking at most 64 steps, so that a (malformed) cycle gives what the walk gave;
 * NULL when the chain holds no registered study. Unlike rm_resolved_studies, which stops
 * its walk at a cycle, this keeps trace's bound exactly.
 */
function studyLabels(scope: string, probe: boolean): string {
  // The projection's form probes an index per row (LATERAL ... OFFSET 0), as RESOLVE_STUDIES
  // does, so a batch's few studies never hash whole tables; the backfill keeps its joins.
  const derivativesOf = probe
    ? `SELECT d.derived_uid FROM scope s
   CROSS JOIN LATERAL (SELECT x.derived_uid FROM rm_derivations x WHERE x.source_uid = s.uid OFFSET 0) d`
    : 'SELECT d.derived_uid FROM rm_derivations d JOIN scope s ON d.source_uid = s.uid';
  const sourcesOf = probe
    ? `FROM chain c CROSS JOIN LATERAL (SELECT x.source_uid FROM rm_derivations x
                                      WHERE x.derived_uid = c.ancestor OFFSET 0) d`
    : 'FROM chain c JOIN rm_derivations d ON d.derived_uid = c.ancestor';
  const registered = probe
    ? `FROM chain c WHERE EXISTS (SELECT 1 FROM rm_studies s WHERE s.study_uid = c.ancestor OFFSET 0)`
    : 'FROM chain c JOIN rm_studies s ON s.study_uid = c.ancestor';
  // The rows updated: found by the primary key from the scope's uids. Joined to the scope
  // alone, the recursive CTE's estimate (some 280,000 rows for a batch's 1,400) made the
  // planner hash all of rm_derivations at every batch: 95 of 107 ms a batch into a ledger of
  // 1M entries (bench/HISTORY.md, session 38), against 33 ms in all with this probe.
  const updated = probe
    ? 'd.derived_uid = ANY(ARRAY(SELECT uid FROM scope)) AND d.derived_uid = s.uid'
    : 'd.derived_uid = s.uid';
  return `
WITH RECURSIVE scope(uid) AS (
  ${scope}
  UNION
  ${derivativesOf}
), chain(uid, ancestor, depth) AS (
  SELECT s.uid, s.uid, 0 FROM scope s
  UNION ALL
  SELECT c.uid, d.source_uid, c.depth + 1
    ${sourcesOf}
   WHERE c.depth < 64
), label AS (
  SELECT DISTINCT ON (c.uid) c.uid, c.ancestor
    ${registered}
   ORDER BY c.uid, c.depth DESC
)
UPDATE rm_derivations d SET label_uid = l.ancestor
  FROM scope s LEFT JOIN label l ON l.uid = s.uid
 WHERE ${updated} AND d.label_uid IS DISTINCT FROM l.ancestor`;
}

/**
 * The projection's statement: $1 the studies a batch registered or derived. Their
 * derivatives at any depth move with them (a registration or derivation that comes after
 * a derivative's changes the derivative's label), so arrival order never matters.
 */
export const KEEP_STUDY_LABELS = studyLabels('SELECT unnest($1::text[])', true);

/** Every derivative's label: this migration's backfill, and a bulk load's. */
export const ALL_STUDY_LABELS = studyLabels('SELECT derived_uid FROM rm_derivations', false);

/**
 * Each derivative's label study kept on its rm_derivations row, so `trace` reads a study's
 * label by one probe of rm_studies instead of walking every end's derivation chain (17% of
 * its statement at 1M entries, bench/HISTORY.md, session 15). Kept by the projection in the
 * batch's transaction, so `cli rebuild` writes the same values.
 */
export class StudyLabels1764107500000 implements MigrationInterface {
  name = 'StudyLabels1764107500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE rm_derivations ADD COLUMN label_uid text');
    await q.query(ALL_STUDY_LABELS);
    await q.query('ANALYZE rm_derivations');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE rm_derivations DROP COLUMN label_uid');
  }
}
