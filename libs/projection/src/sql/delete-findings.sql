-- Removes the findings with these keys (ledger_sequence, study_uid, code), column by column.
DELETE FROM rm_findings
 WHERE (ledger_sequence, study_uid, code) IN
       (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]))
