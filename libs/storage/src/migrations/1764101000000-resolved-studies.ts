import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rm_resolved_studies rows of the studies in `scope` (a CTE naming them `uid`, followed
 * by their derivatives at any depth): each study's original (the end of its derivation
 * chain, stopping at a cycle), its patient (of the registered study closest to the
 * original, as resolveStudy in @scantrail/compliance), and whether it is a properly
 * de-identified derivative (CONTRACT section 2: its own method codes carry 113100, its
 * latest inspection, if any, is PASS and found no identifier of its patient). Every event
 * counts, whatever its time: this is what breach impact needs, not an evaluation as of a time.
 */
function resolvedStudies(scope: string, returnBreached = false): string {
  // The projection's form (a batch's studies) probes an index per row (LATERAL ... OFFSET 0):
  // planned as joins, the walks' estimates (hundreds of times the real rows) hashed the
  // whole of rm_derivations, rm_studies and rm_inspections at every batch (584 ms a batch
  // at 1M entries against 37 ms on an empty ledger). The whole-table backfill keeps its joins.
  const probe = returnBreached;
  const derivativesOf = probe
    ? `SELECT d.derived_uid FROM scope s
   CROSS JOIN LATERAL (SELECT x.derived_uid FROM rm_derivations x WHERE x.source_uid = s.uid OFFSET 0) d`
    : 'SELECT d.derived_uid FROM rm_derivations d JOIN scope s ON d.source_uid = s.uid';
  const sourcesOf = probe
    ? `FROM up CROSS JOIN LATERAL (SELECT x.source_uid FROM rm_derivations x
                                   WHERE x.derived_uid = up.ancestor OFFSET 0) d`
    : 'FROM up JOIN rm_derivations d ON d.derived_uid = up.ancestor';
  const studyOf = probe
    ? `LEFT JOIN LATERAL (SELECT x.patient, x.patient_system, x.patient_value_pseudonym
                          FROM rm_studies x WHERE x.study_uid = up.ancestor OFFSET 0) s ON true`
    : 'LEFT JOIN rm_studies s ON s.study_uid = up.ancestor';
  const inspectionsOf = probe
    ? `FROM scope s CROSS JOIN LATERAL (SELECT x.study_uid, x.result, x.patient_identifiers_found,
                                           x.occurred_at, x.ledger_sequence
                                      FROM rm_inspections x WHERE x.study_uid = s.uid OFFSET 0) i`
    : 'FROM rm_inspections i JOIN scope s ON s.uid = i.study_uid';
  const upsert = `
INSERT INTO rm_resolved_studies (study_uid, original_uid, patient, deidentified)
SELECT r.uid, r.original_uid, r.patient,
       d.derived_uid IS NOT NULL AND '113100' = ANY (d.method_codes)
       AND (l.study_uid IS NULL OR (l.result = 'PASS' AND (r.patient IS NULL OR NOT EXISTS (
         SELECT 1
           FROM jsonb_array_elements(CASE jsonb_typeof(l.patient_identifiers_found)
                                     WHEN 'array' THEN l.patient_identifiers_found
                                     ELSE '[]'::jsonb END) f
          WHERE CASE WHEN f ? 'system'
                     THEN f->>'system' = r.patient_system AND f->>'value' = r.patient
                     ELSE f->>'value' = r.patient OR f->>'value' = r.value_pseudonym END))))
  FROM resolved r
  LEFT JOIN rm_derivations d ON d.derived_uid = r.uid
  LEFT JOIN latest l ON l.study_uid = r.uid
ON CONFLICT (study_uid) DO UPDATE
   SET original_uid = EXCLUDED.original_uid, patient = EXCLUDED.patient,
       deidentified = EXCLUDED.deidentified
 WHERE (rm_resolved_studies.original_uid, rm_resolved_studies.patient, rm_resolved_studies.deidentified)
       IS DISTINCT FROM (EXCLUDED.original_uid, EXCLUDED.patient, EXCLUDED.deidentified)`;
  // The projection's form also says which changed studies some breach affects: their
  // kept breach rows carry the patient and de-identification (1764102000000-breach-impact).
  const tail = returnBreached
    ? `, changed AS (${upsert}
  RETURNING study_uid
)
SELECT c.study_uid FROM changed c
 WHERE EXISTS (SELECT 1 FROM rm_breach_affected a WHERE a.study_uid = c.study_uid COLLATE "C")`
    : upsert;
  return `
WITH RECURSIVE scope(uid) AS (
  ${scope}
  UNION
  ${derivativesOf}
), up(uid, ancestor, depth, path) AS (
  SELECT uid, uid, 0, ARRAY[uid] FROM scope
  UNION ALL
  SELECT up.uid, d.source_uid, up.depth + 1, up.path || d.source_uid
    ${sourcesOf}
   WHERE d.source_uid <> ALL (up.path)
), resolved AS (
  SELECT up.uid,
         (array_agg(up.ancestor ORDER BY up.depth DESC))[1] AS original_uid,
         (array_agg(s.patient ORDER BY up.depth DESC) FILTER (WHERE s.patient IS NOT NULL))[1] AS patient,
         (array_agg(s.patient_system ORDER BY up.depth DESC)
            FILTER (WHERE s.patient_system IS NOT NULL))[1] AS patient_system,
         (array_agg(s.patient_value_pseudonym ORDER BY up.depth DESC)
            FILTER (WHERE s.patient_value_pseudonym IS NOT NULL))[1] AS value_pseudonym
    FROM up ${studyOf}
   GROUP BY up.uid
), latest AS (
  SELECT DISTINCT ON (i.study_uid) i.study_uid, i.result, i.patient_identifiers_found
    ${inspectionsOf}
   ORDER BY i.study_uid, i.occurred_at DESC, i.ledger_sequence DESC
)${tail}`;
}

// The projection's form (returnBreached: a batch's studies, probing an index per row) kept
// rm_resolved_studies per batch until session 17; it walked up from every moved study
// separately, cubic in a chain's length. The projection now reads a chain's ancestry once and
// walks it once (libs/projection: study-ancestry.sql, resolveAncestry,
// keep-resolved-studies.sql). The whole-table form below stays this migration's backfill,
// the bulk loader's, and the reference the projection's rows are tested against.

/** Every study registered, derived or inspected: this migration's backfill, and a bulk load's. */
export const ALL_RESOLVED_STUDIES = resolvedStudies(`
  SELECT study_uid FROM rm_studies
  UNION SELECT derived_uid FROM rm_derivations
  UNION SELECT study_uid FROM rm_inspections`);

/**
 * Per study, its resolved patient and whether it is properly de-identified, kept by the
 * projection in the batch's transaction, so that breach impact counts studies and patients
 * by SQL over rm_vendor_holdings instead of resolving every derivative's lineage and
 * inspections in the API. An index of the holdings by vendor and study in code-point
 * order (the order of `affected`), with each study's events newest first, lets a page of
 * affected studies stop after the rows it shows.
 */
export class ResolvedStudies1764101000000 implements MigrationInterface {
  name = 'ResolvedStudies1764101000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_resolved_studies (
        study_uid text PRIMARY KEY, original_uid text NOT NULL, patient text,
        deidentified boolean NOT NULL)`);
    await q.query(ALL_RESOLVED_STUDIES);
    await q.query(`
      CREATE INDEX rm_vendor_holdings_pages ON rm_vendor_holdings
        (vendor_id, study_uid COLLATE "C", at DESC, kind DESC)`);
    await q.query('ANALYZE rm_resolved_studies');
    await q.query('ANALYZE rm_vendor_holdings');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX rm_vendor_holdings_pages');
    await q.query('DROP TABLE rm_resolved_studies');
  }
}
