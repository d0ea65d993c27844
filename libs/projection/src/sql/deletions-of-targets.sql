-- Deletion attestations whose target is one of the studies ($1) or datasets ($2); two
-- index scans, as in disclosures-of-targets.sql.
SELECT ledger_sequence::text AS ledger_sequence, event_id, occurred_at, target_study_uid,
       target_dataset_id, vendor_id
  FROM rm_deletions WHERE target_study_uid = ANY($1::text[])
UNION ALL
SELECT ledger_sequence::text, event_id, occurred_at, target_study_uid,
       target_dataset_id, vendor_id
  FROM rm_deletions WHERE target_dataset_id = ANY($2::text[])
