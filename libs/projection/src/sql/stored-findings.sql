-- The stored findings of the given studies ($1); with $2, only those of these events.
-- The keys behind (SELECT $n): planned without estimating each of them (sql-files.ts).
SELECT ledger_sequence::text AS ledger_sequence, study_uid, code, detail
  FROM rm_findings
 WHERE study_uid = ANY((SELECT $1::text[])::text[])
   AND ($2::bigint[] IS NULL OR ledger_sequence = ANY($2::bigint[]))
