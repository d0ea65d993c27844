-- Direct derivatives of the given studies ($1 text[]), oldest derivation first.
SELECT d.source_uid, d.derived_uid
  FROM rm_derivations d
 WHERE d.source_uid = ANY($1::text[])
 ORDER BY d.occurred_at, d.ledger_sequence
