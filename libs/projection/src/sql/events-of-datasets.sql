-- The disclosures and transfers of the given datasets: a new member may be carried by them.
SELECT ledger_sequence::text AS ledger_sequence FROM rm_disclosures WHERE target_dataset_id = ANY($1::text[])
UNION ALL
SELECT ledger_sequence::text FROM rm_transfers WHERE target_dataset_id = ANY($1::text[])
