-- Each given study's latest inspection, the only one that decides its findings (CONTRACT
-- section 2): the latest time, ties by the later ledger sequence (the column, not its text
-- alias, which would put 9 after 10).
SELECT DISTINCT ON (i.study_uid) i.inspection_id, i.study_uid, i.occurred_at,
       i.ledger_sequence::text AS ledger_sequence, i.result, i.issues, i.patient_identifiers_found
  FROM rm_inspections i WHERE i.study_uid = ANY($1::text[])
 ORDER BY i.study_uid, i.occurred_at DESC, i.ledger_sequence DESC
