-- The vendors of the given agreements (a termination names only its agreement).
SELECT DISTINCT vendor_id FROM rm_agreements WHERE agreement_id = ANY($1::text[])
