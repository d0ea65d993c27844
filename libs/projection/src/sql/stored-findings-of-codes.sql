-- The stored findings of the given studies ($1) with the given codes ($2).
SELECT ledger_sequence::text AS ledger_sequence, study_uid, code, detail
  FROM rm_findings
 WHERE study_uid = ANY($1::text[]) AND code = ANY($2::text[])
