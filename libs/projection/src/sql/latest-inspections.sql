-- Each given study's latest inspection, the only one that decides its findings (CONTRACT
-- section 2): the latest time, ties by the later ledger sequence.
SELECT DISTINCT ON (study_uid) inspection_id, study_uid, occurred_at,
       ledger_sequence::text AS ledger_sequence, result, issues, patient_identifiers_found
  FROM rm_inspections WHERE study_uid = ANY($1::text[])
 ORDER BY study_uid, occurred_at DESC, ledger_sequence DESC
