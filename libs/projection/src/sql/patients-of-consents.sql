-- The patients of the given consents (a revocation names only its consent).
SELECT DISTINCT patient FROM rm_consents WHERE consent_id = ANY($1::text[])
