-- The members of the given datasets ($1), and since when.
SELECT dataset_id, study_uid, added_at FROM rm_dataset_members WHERE dataset_id = ANY($1::text[])
