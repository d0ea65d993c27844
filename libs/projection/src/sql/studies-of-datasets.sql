-- The member studies of the given datasets.
SELECT study_uid FROM rm_dataset_members WHERE dataset_id = ANY($1::text[])
