-- The datasets the given studies belong to, and since when.
-- The keys behind (SELECT $n): planned without estimating each of them (sql-files.ts).
SELECT dataset_id, study_uid, added_at FROM rm_dataset_members WHERE study_uid = ANY((SELECT $1::text[])::text[])
