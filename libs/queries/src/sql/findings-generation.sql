-- The findings generation: moved by triggers in the transaction of every change to the
-- findings (rm_finding_rows, rm_finding_details) or rm_findings_counts (migrations
-- 1764107000000 and 1764112000000). A findings answer read after
-- this value is the answer the stored findings give for as long as it stays the same.
SELECT f.generation::text AS generation FROM findings_generation f WHERE f.singleton
