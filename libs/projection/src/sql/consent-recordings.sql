-- Every recording of the given consents ($1): what decides the disclosures each can cover.
-- A consent recorded again may name other purposes or recipients (even another patient):
-- the disclosures the replaced recording covered can move as much as the new one's.
SELECT DISTINCT patient, decision, purposes, vendor_ids
  FROM rm_consent_recordings
 WHERE consent_id = ANY($1::text[])
