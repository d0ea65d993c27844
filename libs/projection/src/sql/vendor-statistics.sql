-- Keeps studies received and patients affected per vendor (rm_vendor_stats) for a batch:
-- its new receipts ($1 vendors, $2 studies, as vendor-holdings-and-receipts.sql returns
-- them) and the studies whose registration or derivation it wrote ($3). A study's patients
-- are those of the registered studies on its derivation chain (at most 64 steps up, as
-- vendor-stats.sql always walked it); rm_chain_patients holds them for every received
-- study, and rm_vendor_patients how many of a vendor's received studies lead to each
-- patient. A changed registration or derivation changes the chain patients of the received
-- studies below it, whatever order the events came in: those are recomputed from the read
-- models as they are now, and the difference moves the counts of every vendor that
-- received them. Every join to a read model is an index probe per row (LATERAL ...
-- OFFSET 0, = ANY(ARRAY(...))): planned as joins, the walks' estimates (hundreds of times
-- the real rows) hashed whole tables, rm_derivations, rm_studies, rm_chain_patients and
-- rm_vendor_patients, at every batch (961 ms a batch at 1M entries, 58 ms on an empty ledger).
WITH RECURSIVE fresh AS (
  SELECT * FROM unnest($1::text[], $2::text[]) AS n(vendor_id, study_uid)
),
below(study_uid, depth) AS (
  SELECT uid, 0 FROM unnest($3::text[]) AS c(uid)
  UNION
  SELECT d.derived_uid, b.depth + 1
    FROM below b
   CROSS JOIN LATERAL (SELECT x.derived_uid FROM rm_derivations x
                        WHERE x.source_uid = b.study_uid OFFSET 0) d
   WHERE b.depth < 64
),
affected AS (
  SELECT study_uid FROM fresh
  UNION
  SELECT b.study_uid FROM below b
   WHERE EXISTS (SELECT 1 FROM rm_vendor_receipts r WHERE r.study_uid = b.study_uid OFFSET 0)
),
chain(study_uid, ancestor, depth) AS (
  SELECT study_uid, study_uid, 0 FROM affected
  UNION ALL
  SELECT c.study_uid, d.source_uid, c.depth + 1
    FROM chain c
   CROSS JOIN LATERAL (SELECT x.source_uid FROM rm_derivations x
                        WHERE x.derived_uid = c.ancestor OFFSET 0) d
   WHERE c.depth < 64
),
now_patients AS (
  SELECT DISTINCT c.study_uid, s.patient
    FROM chain c
   CROSS JOIN LATERAL (SELECT x.patient FROM rm_studies x
                        WHERE x.study_uid = c.ancestor OFFSET 0) s
),
was_patients AS (
  SELECT a.study_uid, p.patient
    FROM affected a
   CROSS JOIN LATERAL (SELECT x.patient FROM rm_chain_patients x
                        WHERE x.study_uid = a.study_uid OFFSET 0) p
),
gained AS (SELECT * FROM now_patients EXCEPT SELECT * FROM was_patients),
lost AS (SELECT * FROM was_patients EXCEPT SELECT * FROM now_patients),
-- Receipts from earlier batches of the studies whose patients changed.
earlier AS (
  SELECT r.vendor_id, r.study_uid
    FROM rm_vendor_receipts r
   WHERE r.study_uid = ANY(ARRAY(SELECT study_uid FROM gained UNION SELECT study_uid FROM lost))
  EXCEPT
  SELECT vendor_id, study_uid FROM fresh
),
delta AS (
  SELECT vendor_id, patient, sum(d)::int AS d
    FROM (SELECT e.vendor_id, g.patient, 1 AS d FROM earlier e JOIN gained g ON g.study_uid = e.study_uid
          UNION ALL
          SELECT e.vendor_id, l.patient, -1 FROM earlier e JOIN lost l ON l.study_uid = e.study_uid
          UNION ALL
          SELECT f.vendor_id, n.patient, 1 FROM fresh f JOIN now_patients n ON n.study_uid = f.study_uid) x
   GROUP BY vendor_id, patient
  HAVING sum(d) <> 0
),
moved AS (
  SELECT d.vendor_id, d.patient, coalesce(p.studies, 0) AS before, coalesce(p.studies, 0) + d.d AS after
    FROM delta d
    LEFT JOIN LATERAL (SELECT x.studies FROM rm_vendor_patients x
                        WHERE x.vendor_id = d.vendor_id AND x.patient = d.patient OFFSET 0) p ON true
),
chain_added AS (
  INSERT INTO rm_chain_patients (study_uid, patient) SELECT study_uid, patient FROM gained
),
chain_removed AS (
  DELETE FROM rm_chain_patients p
   WHERE p.study_uid = ANY(ARRAY(SELECT study_uid FROM lost))
     AND (p.study_uid, p.patient) IN (SELECT study_uid, patient FROM lost)
),
patients_kept AS (
  INSERT INTO rm_vendor_patients (vendor_id, patient, studies)
  SELECT vendor_id, patient, after FROM moved WHERE after > 0
  ON CONFLICT (vendor_id, patient) DO UPDATE SET studies = EXCLUDED.studies
),
patients_gone AS (
  DELETE FROM rm_vendor_patients p
   WHERE p.vendor_id = ANY(ARRAY(SELECT vendor_id FROM moved WHERE after = 0))
     AND p.patient = ANY(ARRAY(SELECT patient FROM moved WHERE after = 0))
     AND (p.vendor_id, p.patient) IN (SELECT vendor_id, patient FROM moved WHERE after = 0)
),
counts AS (
  SELECT vendor_id, sum(studies)::int AS studies, sum(patients)::int AS patients
    FROM (SELECT vendor_id, 1 AS studies, 0 AS patients FROM fresh
          UNION ALL
          SELECT vendor_id, 0, CASE WHEN before = 0 THEN 1 WHEN after = 0 THEN -1 ELSE 0 END FROM moved) x
   GROUP BY vendor_id
)
INSERT INTO rm_vendor_stats AS s (vendor_id, studies_received, patients_affected)
SELECT vendor_id, studies, patients FROM counts WHERE studies <> 0 OR patients <> 0
ON CONFLICT (vendor_id) DO UPDATE
   SET studies_received = s.studies_received + EXCLUDED.studies_received,
       patients_affected = s.patients_affected + EXCLUDED.patients_affected
