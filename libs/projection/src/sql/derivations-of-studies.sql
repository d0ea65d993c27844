-- Where each given derivative came from, and how it was de-identified.
SELECT derived_uid, source_uid, method_codes FROM rm_derivations WHERE derived_uid = ANY($1::text[])
