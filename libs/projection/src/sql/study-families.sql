-- Every study uid in the derivation families of the given uids: walk up to the originals,
-- then down to every derivative (UNION, not UNION ALL, so a cycle cannot loop forever).
WITH RECURSIVE up(uid) AS (
  SELECT unnest($1::text[])
  UNION
  SELECT d.source_uid FROM rm_derivations d JOIN up ON d.derived_uid = up.uid
), down(uid) AS (
  SELECT uid FROM up
  UNION
  SELECT d.derived_uid FROM rm_derivations d JOIN down ON d.source_uid = down.uid
)
SELECT uid FROM down
