-- The accounting of disclosures of one patient ($1: the pseudonym as stored) for events
-- with $2 <= time <= $3: one row per (disclosure or onward transfer, study it carried),
-- for every study of the patient (originals and derivatives at any depth), disclosed
-- directly or as a member of a dataset that held it at the event's time. The depth bound
-- stops a (malformed) derivation cycle.
WITH RECURSIVE family(uid, original_uid, depth) AS (
  SELECT s.study_uid, s.study_uid, 0 FROM rm_studies s WHERE s.patient = $1
  UNION ALL
  SELECT d.derived_uid, f.original_uid, f.depth + 1
    FROM family f JOIN rm_derivations d ON d.source_uid = f.uid
   WHERE f.depth < 64
),
studies AS (
  SELECT DISTINCT ON (uid) uid, original_uid FROM family ORDER BY uid, depth
),
memberships AS (
  SELECT m.dataset_id, m.study_uid, m.added_at
    FROM studies s JOIN rm_dataset_members m ON m.study_uid = s.uid
),
disclosed AS (
  SELECT x.ledger_sequence, s.uid AS study_uid, NULL::text AS dataset_id
    FROM studies s JOIN rm_disclosures x ON x.target_study_uid = s.uid
   WHERE x.occurred_at BETWEEN $2 AND $3
  UNION ALL
  SELECT x.ledger_sequence, m.study_uid, m.dataset_id
    FROM memberships m
    JOIN rm_disclosures x ON x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
   WHERE x.occurred_at BETWEEN $2 AND $3
),
transferred AS (
  SELECT x.ledger_sequence, s.uid AS study_uid, NULL::text AS dataset_id
    FROM studies s JOIN rm_transfers x ON x.target_study_uid = s.uid
   WHERE x.occurred_at BETWEEN $2 AND $3
  UNION ALL
  SELECT x.ledger_sequence, m.study_uid, m.dataset_id
    FROM memberships m
    JOIN rm_transfers x ON x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
   WHERE x.occurred_at BETWEEN $2 AND $3
),
entries AS (
  SELECT 'DISCLOSURE' AS kind, c.ledger_sequence, c.study_uid, c.dataset_id, x.occurred_at,
         x.disclosure_id AS reference, x.recipient_vendor_id AS recipient_id,
         NULL::text AS sender_id, x.purpose, x.legal_basis
    FROM disclosed c JOIN rm_disclosures x ON x.ledger_sequence = c.ledger_sequence
  UNION ALL
  SELECT 'TRANSFER', c.ledger_sequence, c.study_uid, c.dataset_id, x.occurred_at,
         x.transfer_id, x.to_vendor_id, x.from_vendor_id, x.purpose, NULL
    FROM transferred c JOIN rm_transfers x ON x.ledger_sequence = c.ledger_sequence
)
SELECT e.kind, e.ledger_sequence::text AS ledger_sequence, e.occurred_at, e.reference,
       e.recipient_id, rv.name AS recipient_name, rv.address AS recipient_address,
       e.sender_id, sv.name AS sender_name, e.purpose, e.legal_basis,
       e.study_uid, e.dataset_id, ds.name AS dataset_name,
       (own.derived_uid IS NOT NULL) AS is_derivative,
       COALESCE(own.method_codes, '{}'::text[]) AS method_codes,
       o.modality, o.body_part, o.study_date,
       ARRAY(SELECT f.code FROM rm_findings f
              WHERE f.ledger_sequence = e.ledger_sequence AND f.study_uid = e.study_uid
              ORDER BY f.code) AS finding_codes
  FROM entries e
  JOIN studies s ON s.uid = e.study_uid
  LEFT JOIN rm_studies o ON o.study_uid = s.original_uid
  LEFT JOIN rm_derivations own ON own.derived_uid = e.study_uid
  LEFT JOIN rm_vendors rv ON rv.vendor_id = e.recipient_id
  LEFT JOIN rm_vendors sv ON sv.vendor_id = e.sender_id
  LEFT JOIN rm_datasets ds ON ds.dataset_id = e.dataset_id
 ORDER BY e.occurred_at, e.ledger_sequence, e.study_uid COLLATE "C"
