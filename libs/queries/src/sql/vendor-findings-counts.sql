-- Number of findings of each of the given vendors ($1 text[]).
SELECT f.vendor_id, count(*)::int AS n
  FROM rm_findings f
 WHERE f.vendor_id = ANY($1::text[])
 GROUP BY f.vendor_id
