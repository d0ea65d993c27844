-- The registered studies of the given patients (pseudonyms).
SELECT study_uid FROM rm_studies WHERE patient = ANY($1::text[])
