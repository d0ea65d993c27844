-- Per vendor ($1 text[]): distinct studies it received (rm_vendor_receipts, kept by the
-- projection: disclosed or transferred to it, a dataset with the members it held at the
-- event's time) and distinct patients of those studies, found through the registered
-- study at the root of each derivation chain. The depth bound stops a (malformed)
-- derivation cycle.
WITH RECURSIVE received(vendor_id, study_uid) AS (
  SELECT r.vendor_id, r.study_uid FROM rm_vendor_receipts r WHERE r.vendor_id = ANY($1::text[])
),
chain(vendor_id, study_uid, ancestor, depth) AS (
  SELECT r.vendor_id, r.study_uid, r.study_uid, 0 FROM received r
  UNION ALL
  SELECT c.vendor_id, c.study_uid, d.source_uid, c.depth + 1
    FROM chain c JOIN rm_derivations d ON d.derived_uid = c.ancestor
   WHERE c.depth < 64
)
SELECT c.vendor_id,
       count(DISTINCT c.study_uid)::int AS studies_received,
       count(DISTINCT s.patient)::int AS patients_affected
  FROM chain c
  LEFT JOIN rm_studies s ON s.study_uid = c.ancestor
 GROUP BY c.vendor_id
