-- Names of the given datasets ($1 text[]).
SELECT d.dataset_id, d.name FROM rm_datasets d WHERE d.dataset_id = ANY($1::text[])
