-- Targets (study or dataset) that reached or left the given vendors.
SELECT target_study_uid AS study_uid, target_dataset_id AS dataset_id
  FROM rm_disclosures WHERE recipient_vendor_id = ANY($1::text[])
UNION
SELECT target_study_uid, target_dataset_id
  FROM rm_transfers WHERE from_vendor_id = ANY($1::text[]) OR to_vendor_id = ANY($1::text[])
