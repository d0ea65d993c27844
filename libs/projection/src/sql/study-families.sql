-- Every study uid in the derivation families of the given uids: walk up to the originals,
-- then down to every derivative (UNION, not UNION ALL, so a cycle cannot loop forever).
-- Each step probes rm_derivations' index per uid (LATERAL ... OFFSET 0): planned as joins,
-- the walk's estimates hashed the whole table at every step (342 ms a call at 1M entries,
-- 13 ms on an empty ledger).
WITH RECURSIVE up(uid) AS (
  SELECT unnest($1::text[])
  UNION
  SELECT d.source_uid
    FROM up
   CROSS JOIN LATERAL (SELECT x.source_uid FROM rm_derivations x
                        WHERE x.derived_uid = up.uid OFFSET 0) d
), down(uid) AS (
  SELECT uid FROM up
  UNION
  SELECT d.derived_uid
    FROM down
   CROSS JOIN LATERAL (SELECT x.derived_uid FROM rm_derivations x
                        WHERE x.source_uid = down.uid OFFSET 0) d
)
SELECT uid FROM down
