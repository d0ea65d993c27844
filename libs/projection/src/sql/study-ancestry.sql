-- The studies a batch moves ($1: registered, derived or inspected; with their derivatives at
-- any depth, in_scope) and every study up their derivation chains: each with its source (if
-- it is a derivative) and its registration's patient. UNION visits each study at most twice
-- (once in scope, once as an ancestor), so a chain costs its length, not its square; the
-- walks themselves (the end of a chain, the patient closest to it) are resolveAncestry's.
-- Each step probes an index (LATERAL ... OFFSET 0), as the statement it replaces did.
WITH RECURSIVE scope(uid) AS (
  SELECT unnest($1::text[])
  UNION
  SELECT d.derived_uid
    FROM scope s
   CROSS JOIN LATERAL (SELECT x.derived_uid FROM rm_derivations x
                        WHERE x.source_uid = s.uid OFFSET 0) d
), up(uid, in_scope) AS (
  SELECT uid, true FROM scope
  UNION
  SELECT d.source_uid, false
    FROM up
   CROSS JOIN LATERAL (SELECT x.source_uid FROM rm_derivations x
                        WHERE x.derived_uid = up.uid OFFSET 0) d
)
SELECT up.uid, bool_or(up.in_scope) AS in_scope, min(d.source_uid) AS source_uid,
       min(s.patient) AS patient, min(s.patient_system) AS patient_system,
       min(s.patient_value_pseudonym) AS patient_value_pseudonym
  FROM up
  LEFT JOIN LATERAL (SELECT x.source_uid FROM rm_derivations x
                      WHERE x.derived_uid = up.uid OFFSET 0) d ON true
  LEFT JOIN LATERAL (SELECT x.patient, x.patient_system, x.patient_value_pseudonym
                       FROM rm_studies x WHERE x.study_uid = up.uid OFFSET 0) s ON true
 GROUP BY up.uid
