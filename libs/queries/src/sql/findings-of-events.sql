-- The findings of given (ledger sequence, study) pairs: $1 bigint[] and $2 text[] zipped.
-- $3: only this vendor's (NULL: all).
SELECT f.ledger_sequence::text AS ledger_sequence, f.study_uid, f.code, f.vendor_id,
       f.event_id, f.occurred_at, f.detail
  FROM unnest($1::bigint[], $2::text[]) AS k(ledger_sequence, study_uid)
  JOIN rm_findings f ON f.ledger_sequence = k.ledger_sequence AND f.study_uid = k.study_uid
 WHERE $3::text IS NULL OR f.vendor_id = $3
 ORDER BY f.ledger_sequence, f.study_uid COLLATE "C", f.code COLLATE "C"
