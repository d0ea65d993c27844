-- The same keyset page of findings for each of several vendors ($1 text[]), in one
-- statement. After: $2 sequence, $3 study, $4 code (NULL $2: from the start). $5: rows
-- to fetch per vendor.
SELECT v.vendor_id AS page_vendor, f.*
  FROM unnest($1::text[]) AS v(vendor_id)
 CROSS JOIN LATERAL (
        SELECT f.ledger_sequence::text AS ledger_sequence, f.study_uid, f.code, f.vendor_id,
               f.event_id, f.occurred_at, f.detail
          FROM rm_findings f
         WHERE f.vendor_id = v.vendor_id
           AND ($2::bigint IS NULL OR f.ledger_sequence >= $2)
           AND ($2::bigint IS NULL OR f.ledger_sequence > $2
                OR (f.study_uid COLLATE "C", f.code COLLATE "C") > ($3::text, $4::text))
         ORDER BY f.ledger_sequence, f.study_uid COLLATE "C", f.code COLLATE "C"
         LIMIT $5
       ) f
