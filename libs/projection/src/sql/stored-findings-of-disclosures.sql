-- The stored findings of the given studies ($1) on the given events ($2) with the given codes
-- ($3). The keys behind (SELECT $n): planned without estimating each of them (sql-files.ts).
SELECT ledger_sequence::text AS ledger_sequence, study_uid, code, detail
  FROM rm_findings
 WHERE study_uid = ANY((SELECT $1::text[])::text[])
   AND ledger_sequence = ANY($2::bigint[]) AND code = ANY($3::text[])
