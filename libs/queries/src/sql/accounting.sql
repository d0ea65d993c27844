-- The accounting of disclosures of one patient ($1: the pseudonym as stored) for events
-- with $2 <= time <= $3: one row per (disclosure or onward transfer, study it carried),
-- for every study of the patient (originals and derivatives at any depth), disclosed
-- directly or as a member of a dataset that held it at the event's time. The projection
-- keeps those rows with what the letter says of the event and of the study's original
-- (rm_accounting_rows, 1764108500000-accounting-rows): one range of its primary key, and
-- per row the names, the study's latest inspection and the findings, each by key.
SELECT a.kind, a.ledger_sequence::text AS ledger_sequence, a.occurred_at, a.reference,
       a.recipient_id, rv.name AS recipient_name, rv.address AS recipient_address,
       a.sender_id, sv.name AS sender_name, a.purpose, a.legal_basis,
       a.event_source, a.event_id,
       a.study_uid, a.dataset_id, ds.name AS dataset_name,
       a.is_derivative, a.method_codes, a.modality, a.body_part, a.study_date,
       a.patient, a.patient_system, a.patient_value_pseudonym,
       li.result AS inspection_result, li.patient_identifiers_found AS inspection_found,
       ARRAY(SELECT f.code FROM rm_findings f
              WHERE f.ledger_sequence = a.ledger_sequence AND f.study_uid = a.study_uid
              ORDER BY f.code) AS finding_codes
  FROM rm_accounting_rows a
  -- v1.1: the study's latest inspection (latest time; ties: later ledger sequence).
  LEFT JOIN LATERAL (SELECT i.result, i.patient_identifiers_found FROM rm_inspections i
                      WHERE i.study_uid = a.study_uid
                      ORDER BY i.occurred_at DESC, i.ledger_sequence DESC LIMIT 1) li ON true
  LEFT JOIN LATERAL (SELECT v.name, v.address FROM rm_vendors v
                      WHERE v.vendor_id = a.recipient_id) rv ON true
  LEFT JOIN LATERAL (SELECT v.name FROM rm_vendors v WHERE v.vendor_id = a.sender_id) sv ON true
  LEFT JOIN LATERAL (SELECT d.name FROM rm_datasets d WHERE d.dataset_id = a.dataset_id) ds ON true
 WHERE a.patient = $1 AND a.occurred_at BETWEEN $2 AND $3
 ORDER BY a.occurred_at, a.ledger_sequence, a.study_uid COLLATE "C"
