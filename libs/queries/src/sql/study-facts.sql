-- Studies by uid as the API shows them ($1 text[] uids): a registered study, or a
-- derivative (of a derivative too) carrying the modality, body part and date of the
-- registered study closest to its original. Unknown uids give no row. The depth bound
-- stops a (malformed) derivation cycle.
WITH RECURSIVE chain(uid, ancestor, depth) AS (
  SELECT u.uid, u.uid, 0 FROM unnest($1::text[]) AS u(uid)
  UNION ALL
  SELECT c.uid, d.source_uid, c.depth + 1
    FROM chain c JOIN rm_derivations d ON d.derived_uid = c.ancestor
   WHERE c.depth < 64
)
SELECT u.uid AS study_uid,
       own.source_uid AS derived_from,
       COALESCE(own.method_codes, '{}'::text[]) AS method_codes,
       reg.modality,
       reg.body_part,
       reg.study_date
  FROM (SELECT DISTINCT x.uid FROM unnest($1::text[]) AS x(uid)) u
  LEFT JOIN rm_derivations own ON own.derived_uid = u.uid
  LEFT JOIN LATERAL (
        SELECT s.modality, s.body_part, s.study_date
          FROM chain c JOIN rm_studies s ON s.study_uid = c.ancestor
         WHERE c.uid = u.uid
         ORDER BY c.depth DESC
         LIMIT 1
       ) reg ON true
 WHERE own.derived_uid IS NOT NULL
    OR EXISTS (SELECT 1 FROM rm_studies s WHERE s.study_uid = u.uid)
