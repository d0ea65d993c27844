-- One keyset page of findings in (ledger_sequence, study_uid, code) order, code-unit
-- ("C") order for the strings so that pages match the contract's order on any server
-- locale. Filters: $1 code, $2 vendor, $3 study (NULL: any). After: $4 sequence, $5 study,
-- $6 code (NULL $4: from the start). $7: rows to fetch.
SELECT f.ledger_sequence::text AS ledger_sequence, f.study_uid, f.code, f.vendor_id,
       f.event_id, f.occurred_at, f.detail
  FROM rm_findings f
 WHERE ($1::text IS NULL OR f.code = $1)
   AND ($2::text IS NULL OR f.vendor_id = $2)
   AND ($3::text IS NULL OR f.study_uid = $3)
   AND ($4::bigint IS NULL OR f.ledger_sequence >= $4)
   AND ($4::bigint IS NULL OR f.ledger_sequence > $4
        OR (f.study_uid COLLATE "C", f.code COLLATE "C") > ($5::text, $6::text))
 ORDER BY f.ledger_sequence, f.study_uid COLLATE "C", f.code COLLATE "C"
 LIMIT $7
