-- Onward transfers whose target is one of the studies ($1) or datasets ($2); two index
-- scans, as in disclosures-of-targets.sql.
-- The keys behind (SELECT $n): planned without estimating each of them (sql-files.ts).
SELECT ledger_sequence::text AS ledger_sequence, event_id, occurred_at, target_study_uid,
       target_dataset_id, transfer_id, from_vendor_id, to_vendor_id, purpose
  FROM rm_transfers WHERE target_study_uid = ANY((SELECT $1::text[])::text[])
UNION ALL
SELECT ledger_sequence::text, event_id, occurred_at, target_study_uid,
       target_dataset_id, transfer_id, from_vendor_id, to_vendor_id, purpose
  FROM rm_transfers WHERE target_dataset_id = ANY((SELECT $2::text[])::text[])
