-- Registered vendors; $1: only this one (NULL: all).
SELECT count(*)::int AS n FROM rm_vendors v WHERE $1::text IS NULL OR v.vendor_id = $1
