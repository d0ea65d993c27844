-- The accounting of disclosures of one patient ($1: the pseudonym as stored) for events
-- with $2 <= time <= $3: one row per (disclosure or onward transfer, study it carried),
-- for every study of the patient (originals and derivatives at any depth), disclosed
-- directly or as a member of a dataset that held it at the event's time. The depth bound
-- stops a (malformed) derivation cycle. A patient has few studies, so every lookup below
-- is a LATERAL index probe per study rather than a join the planner might hash.
WITH RECURSIVE family(uid, original_uid, depth, method_codes, modality, body_part, study_date,
                      patient, patient_system, patient_value_pseudonym) AS (
  SELECT s.study_uid, s.study_uid, 0, '{}'::text[], s.modality, s.body_part, s.study_date,
         s.patient, s.patient_system, s.patient_value_pseudonym
    FROM rm_studies s WHERE s.patient = $1
  UNION ALL
  SELECT d.derived_uid, f.original_uid, f.depth + 1, d.method_codes, f.modality, f.body_part,
         f.study_date, f.patient, f.patient_system, f.patient_value_pseudonym
    FROM family f JOIN rm_derivations d ON d.source_uid = f.uid
   WHERE f.depth < 64
),
-- Each study once, with what its original study's row says (read by the family's start).
studies AS (
  SELECT DISTINCT ON (uid) uid, depth > 0 AS is_derivative, method_codes, modality, body_part,
         study_date, patient, patient_system, patient_value_pseudonym
    FROM family ORDER BY uid, depth
),
-- Each row with its event's id and source (they go on the patient's letter), kept beside the
-- row by the projection: no read of the ledger's own entries.
entries AS (
  SELECT 'DISCLOSURE' AS kind, s.uid AS study_uid, NULL::text AS dataset_id, x.*
    FROM studies s
   CROSS JOIN LATERAL (
          SELECT x.ledger_sequence, x.occurred_at, x.disclosure_id AS reference,
                 x.recipient_vendor_id AS recipient_id, NULL::text AS sender_id, x.purpose,
                 x.legal_basis, x.event_source, x.event_id
            FROM rm_disclosures x
           WHERE x.target_study_uid = s.uid AND x.occurred_at BETWEEN $2 AND $3) x
  UNION ALL
  SELECT 'DISCLOSURE', s.uid, m.dataset_id, x.*
    FROM studies s
    JOIN rm_dataset_members m ON m.study_uid = s.uid
   CROSS JOIN LATERAL (
          SELECT x.ledger_sequence, x.occurred_at, x.disclosure_id, x.recipient_vendor_id,
                 NULL::text, x.purpose, x.legal_basis, x.event_source, x.event_id
            FROM rm_disclosures x
           WHERE x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
             AND x.occurred_at BETWEEN $2 AND $3) x
  UNION ALL
  SELECT 'TRANSFER', s.uid, NULL, x.*
    FROM studies s
   CROSS JOIN LATERAL (
          SELECT x.ledger_sequence, x.occurred_at, x.transfer_id, x.to_vendor_id,
                 x.from_vendor_id, x.purpose, NULL::text, x.event_source, x.event_id
            FROM rm_transfers x
           WHERE x.target_study_uid = s.uid AND x.occurred_at BETWEEN $2 AND $3) x
  UNION ALL
  SELECT 'TRANSFER', s.uid, m.dataset_id, x.*
    FROM studies s
    JOIN rm_dataset_members m ON m.study_uid = s.uid
   CROSS JOIN LATERAL (
          SELECT x.ledger_sequence, x.occurred_at, x.transfer_id, x.to_vendor_id,
                 x.from_vendor_id, x.purpose, NULL::text, x.event_source, x.event_id
            FROM rm_transfers x
           WHERE x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
             AND x.occurred_at BETWEEN $2 AND $3) x
)
SELECT e.kind, e.ledger_sequence::text AS ledger_sequence, e.occurred_at, e.reference,
       e.recipient_id, rv.name AS recipient_name, rv.address AS recipient_address,
       e.sender_id, sv.name AS sender_name, e.purpose, e.legal_basis,
       e.event_source, e.event_id,
       e.study_uid, e.dataset_id, ds.name AS dataset_name,
       s.is_derivative, s.method_codes, s.modality, s.body_part, s.study_date,
       s.patient, s.patient_system, s.patient_value_pseudonym,
       li.result AS inspection_result, li.patient_identifiers_found AS inspection_found,
       ARRAY(SELECT f.code FROM rm_findings f
              WHERE f.ledger_sequence = e.ledger_sequence AND f.study_uid = e.study_uid
              ORDER BY f.code) AS finding_codes
  FROM entries e
  JOIN studies s ON s.uid = e.study_uid
  -- v1.1: the study's latest inspection (latest time; ties: later ledger sequence).
  LEFT JOIN LATERAL (SELECT i.result, i.patient_identifiers_found FROM rm_inspections i
                      WHERE i.study_uid = e.study_uid
                      ORDER BY i.occurred_at DESC, i.ledger_sequence DESC LIMIT 1) li ON true
  LEFT JOIN LATERAL (SELECT v.name, v.address FROM rm_vendors v
                      WHERE v.vendor_id = e.recipient_id) rv ON true
  LEFT JOIN LATERAL (SELECT v.name FROM rm_vendors v WHERE v.vendor_id = e.sender_id) sv ON true
  LEFT JOIN LATERAL (SELECT d.name FROM rm_datasets d WHERE d.dataset_id = e.dataset_id) ds ON true
 ORDER BY e.occurred_at, e.ledger_sequence, e.study_uid COLLATE "C"
