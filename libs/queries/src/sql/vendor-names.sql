-- Registered names of the given vendors ($1 text[]).
SELECT v.vendor_id, v.name FROM rm_vendors v WHERE v.vendor_id = ANY($1::text[])
