-- The datasets the given studies belong to, and since when.
SELECT dataset_id, study_uid, added_at FROM rm_dataset_members WHERE study_uid = ANY($1::text[])
