-- Number of findings of each of the given vendors ($1 text[]), from the counts the
-- findings worker keeps per (code, vendor).
SELECT c.vendor_id, sum(c.n)::int AS n
  FROM rm_findings_counts c
 WHERE c.vendor_id = ANY($1::text[])
 GROUP BY c.vendor_id
