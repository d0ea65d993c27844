-- A keyset page of registered vendors in vendor_id order (code-unit order). $1: only this
-- vendor (NULL: all); $2: after this vendor_id (NULL: from the start); $3: rows to fetch.
SELECT v.vendor_id, v.name, v.address, v.role
  FROM rm_vendors v
 WHERE ($1::text IS NULL OR v.vendor_id = $1)
   AND ($2::text IS NULL OR v.vendor_id COLLATE "C" > $2::text)
 ORDER BY v.vendor_id COLLATE "C"
 LIMIT $3
