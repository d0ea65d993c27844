-- Keeps rm_resolved_studies for the studies a batch moved, resolved by resolveAncestry
-- ($1 uid, $2 original, $3 patient, $4 its system, $5 its value's pseudonym): the same rows
-- as 1764101000000-resolved-studies' statement, whose walks this takes as given. A
-- derivative is properly de-identified (CONTRACT section 2) when its own method codes carry
-- 113100 and its latest inspection, if any, is PASS and found no identifier of its patient.
-- Returns the changed studies that some breach affects (their kept breach rows move).
WITH resolved(uid, original_uid, patient, patient_system, value_pseudonym) AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
), latest AS (
  SELECT DISTINCT ON (i.study_uid) i.study_uid, i.result, i.patient_identifiers_found
    FROM resolved s
   CROSS JOIN LATERAL (SELECT x.study_uid, x.result, x.patient_identifiers_found,
                              x.occurred_at, x.ledger_sequence
                         FROM rm_inspections x WHERE x.study_uid = s.uid OFFSET 0) i
   ORDER BY i.study_uid, i.occurred_at DESC, i.ledger_sequence DESC
), changed AS (
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
         IS DISTINCT FROM (EXCLUDED.original_uid, EXCLUDED.patient, EXCLUDED.deidentified)
  RETURNING study_uid
)
SELECT c.study_uid FROM changed c
 WHERE EXISTS (SELECT 1 FROM rm_breach_affected a WHERE a.study_uid = c.study_uid COLLATE "C")
