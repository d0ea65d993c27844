-- The inspections of each study ($1: uids), oldest first (ties: ledger sequence): what
-- Study.inspections shows. Found patient identifiers are never read here.
SELECT i.study_uid, i.inspection_id, i.occurred_at, i.tool_name, i.tool_version, i.instances,
       i.result, i.issues, i.method_codes_found, i.ledger_sequence::text AS ledger_sequence
  FROM rm_inspections i
 WHERE i.study_uid = ANY($1)
 ORDER BY i.study_uid COLLATE "C", i.occurred_at, i.ledger_sequence
