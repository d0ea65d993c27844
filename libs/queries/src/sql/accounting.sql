-- The accounting of disclosures of one patient ($1: the pseudonym as stored) for events
-- with $2 <= time <= $3: one row per (disclosure or onward transfer, study it carried),
-- for every study of the patient (originals and derivatives at any depth), disclosed
-- directly or as a member of a dataset that held it at the event's time. The depth bound
-- stops a (malformed) derivation cycle. A patient has few studies, so every lookup below
-- is a LATERAL index probe per study rather than a join the planner might hash.
WITH RECURSIVE family(uid, original_uid, depth, method_codes) AS (
  SELECT s.study_uid, s.study_uid, 0, '{}'::text[] FROM rm_studies s WHERE s.patient = $1
  UNION ALL
  SELECT d.derived_uid, f.original_uid, f.depth + 1, d.method_codes
    FROM family f JOIN rm_derivations d ON d.source_uid = f.uid
   WHERE f.depth < 64
),
studies AS (
  SELECT DISTINCT ON (uid) uid, original_uid, depth > 0 AS is_derivative, method_codes
    FROM family ORDER BY uid, depth
),
carried AS (
  SELECT 'DISCLOSURE' AS kind, x.ledger_sequence, s.uid AS study_uid, NULL::text AS dataset_id
    FROM studies s
   CROSS JOIN LATERAL (
          SELECT x.ledger_sequence FROM rm_disclosures x
           WHERE x.target_study_uid = s.uid AND x.occurred_at BETWEEN $2 AND $3) x
  UNION ALL
  SELECT 'DISCLOSURE', x.ledger_sequence, s.uid, m.dataset_id
    FROM studies s
    JOIN rm_dataset_members m ON m.study_uid = s.uid
   CROSS JOIN LATERAL (
          SELECT x.ledger_sequence FROM rm_disclosures x
           WHERE x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
             AND x.occurred_at BETWEEN $2 AND $3) x
  UNION ALL
  SELECT 'TRANSFER', x.ledger_sequence, s.uid, NULL
    FROM studies s
   CROSS JOIN LATERAL (
          SELECT x.ledger_sequence FROM rm_transfers x
           WHERE x.target_study_uid = s.uid AND x.occurred_at BETWEEN $2 AND $3) x
  UNION ALL
  SELECT 'TRANSFER', x.ledger_sequence, s.uid, m.dataset_id
    FROM studies s
    JOIN rm_dataset_members m ON m.study_uid = s.uid
   CROSS JOIN LATERAL (
          SELECT x.ledger_sequence FROM rm_transfers x
           WHERE x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
             AND x.occurred_at BETWEEN $2 AND $3) x
),
-- Each row with its event's id and source (they go on the patient's letter), kept beside the
-- row by the projection: no read of the ledger's own entries.
entries AS (
  SELECT c.kind, c.ledger_sequence, c.study_uid, c.dataset_id, e.*
    FROM carried c
   CROSS JOIN LATERAL (
          SELECT x.occurred_at, x.disclosure_id AS reference, x.recipient_vendor_id AS recipient_id,
                 NULL::text AS sender_id, x.purpose, x.legal_basis, x.event_source, x.event_id
            FROM rm_disclosures x
           WHERE c.kind = 'DISCLOSURE' AND x.ledger_sequence = c.ledger_sequence
          UNION ALL
          SELECT x.occurred_at, x.transfer_id, x.to_vendor_id, x.from_vendor_id, x.purpose, NULL,
                 x.event_source, x.event_id
            FROM rm_transfers x
           WHERE c.kind = 'TRANSFER' AND x.ledger_sequence = c.ledger_sequence) e
)
SELECT e.kind, e.ledger_sequence::text AS ledger_sequence, e.occurred_at, e.reference,
       e.recipient_id, rv.name AS recipient_name, rv.address AS recipient_address,
       e.sender_id, sv.name AS sender_name, e.purpose, e.legal_basis,
       e.event_source, e.event_id,
       e.study_uid, e.dataset_id, ds.name AS dataset_name,
       s.is_derivative, s.method_codes, o.modality, o.body_part, o.study_date,
       o.patient, o.patient_system, o.patient_value_pseudonym,
       li.result AS inspection_result, li.patient_identifiers_found AS inspection_found,
       ARRAY(SELECT f.code FROM rm_findings f
              WHERE f.ledger_sequence = e.ledger_sequence AND f.study_uid = e.study_uid
              ORDER BY f.code) AS finding_codes
  FROM entries e
  JOIN studies s ON s.uid = e.study_uid
  LEFT JOIN LATERAL (SELECT o.modality, o.body_part, o.study_date, o.patient, o.patient_system,
                            o.patient_value_pseudonym FROM rm_studies o
                      WHERE o.study_uid = s.original_uid) o ON true
  -- v1.1: the study's latest inspection (latest time; ties: later ledger sequence).
  LEFT JOIN LATERAL (SELECT i.result, i.patient_identifiers_found FROM rm_inspections i
                      WHERE i.study_uid = e.study_uid
                      ORDER BY i.occurred_at DESC, i.ledger_sequence DESC LIMIT 1) li ON true
  LEFT JOIN LATERAL (SELECT v.name, v.address FROM rm_vendors v
                      WHERE v.vendor_id = e.recipient_id) rv ON true
  LEFT JOIN LATERAL (SELECT v.name FROM rm_vendors v WHERE v.vendor_id = e.sender_id) sv ON true
  LEFT JOIN LATERAL (SELECT d.name FROM rm_datasets d WHERE d.dataset_id = e.dataset_id) ds ON true
 ORDER BY e.occurred_at, e.ledger_sequence, e.study_uid COLLATE "C"
