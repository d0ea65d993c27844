-- The stored findings of the given events ($1) with the given codes ($2).
SELECT ledger_sequence::text AS ledger_sequence, study_uid, code, detail
  FROM rm_findings
 WHERE ledger_sequence = ANY($1::bigint[]) AND code = ANY($2::text[])
