-- Every vendor the given agreements were signed for, the earlier ones of an agreement
-- signed again under another vendor included (a termination names only its agreement).
SELECT DISTINCT vendor_id FROM rm_agreement_signers WHERE agreement_id = ANY($1::text[])
