-- How many findings match the filters of findings-page.sql ($1 code, $2 vendor, $3 study);
-- without a study, findings-count-kept.sql gives the same from the kept counts.
SELECT count(*)::int AS n
  FROM rm_findings f
 WHERE ($1::text IS NULL OR f.code = $1)
   AND ($2::text IS NULL OR f.vendor_id = $2)
   AND ($3::text IS NULL OR f.study_uid = $3)
