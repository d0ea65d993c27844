-- Every finding on the given studies ($1 text[]); $2: only this vendor's (NULL: all).
SELECT f.ledger_sequence::text AS ledger_sequence, f.study_uid, f.code, f.vendor_id,
       f.event_id, f.occurred_at, f.detail
  FROM rm_findings f
 WHERE f.study_uid = ANY($1::text[])
   AND ($2::text IS NULL OR f.vendor_id = $2)
 ORDER BY f.ledger_sequence, f.study_uid COLLATE "C", f.code COLLATE "C"
