-- Onward transfers whose target is one of the studies ($1) or datasets ($2); two index
-- scans, as in disclosures-of-targets.sql.
SELECT ledger_sequence::text AS ledger_sequence, event_id, occurred_at, target_study_uid,
       target_dataset_id, transfer_id, from_vendor_id, to_vendor_id, purpose
  FROM rm_transfers WHERE target_study_uid = ANY($1::text[])
UNION ALL
SELECT ledger_sequence::text, event_id, occurred_at, target_study_uid,
       target_dataset_id, transfer_id, from_vendor_id, to_vendor_id, purpose
  FROM rm_transfers WHERE target_dataset_id = ANY($2::text[])
