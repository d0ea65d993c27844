-- What the registration of each given study says (derivatives have no row here).
SELECT study_uid, patient, patient_system, patient_value_pseudonym, modality, body_part
  FROM rm_studies WHERE study_uid = ANY($1::text[])
