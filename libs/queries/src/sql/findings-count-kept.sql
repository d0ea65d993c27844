-- How many findings match the code ($1) and vendor ($2) filters of findings-page.sql when
-- no study is named: the sum of the counts the findings worker keeps per (code, vendor)
-- (rm_findings_counts), a few rows whatever the number of findings.
SELECT coalesce(sum(c.n), 0)::int AS n
  FROM rm_findings_counts c
 WHERE ($1::text IS NULL OR c.code = $1)
   AND ($2::text IS NULL OR c.vendor_id = $2)
