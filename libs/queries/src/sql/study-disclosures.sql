-- Disclosures of exactly the given studies ($1 text[]): of the study itself, or of a
-- dataset that held it at the disclosure's time. $2: only to this recipient (NULL: all).
SELECT t.study_uid, x.disclosure_id, x.occurred_at, x.recipient_vendor_id, x.purpose,
       x.legal_basis, t.dataset_id, x.event_id, x.ledger_sequence::text AS ledger_sequence
  FROM (
        SELECT x.ledger_sequence, x.target_study_uid AS study_uid, NULL::text AS dataset_id
          FROM rm_disclosures x
         WHERE x.target_study_uid = ANY($1::text[])
        UNION ALL
        SELECT x.ledger_sequence, m.study_uid, m.dataset_id
          FROM rm_dataset_members m
          JOIN rm_disclosures x ON x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
         WHERE m.study_uid = ANY($1::text[])
       ) t
  JOIN rm_disclosures x ON x.ledger_sequence = t.ledger_sequence
 WHERE $2::text IS NULL OR x.recipient_vendor_id = $2
 ORDER BY x.ledger_sequence, t.study_uid COLLATE "C"
