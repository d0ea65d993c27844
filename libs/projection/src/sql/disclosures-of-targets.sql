-- Disclosures whose target is one of the studies ($1) or datasets ($2). With $3, only those
-- events and the patient-authorized disclosures of the studies ($4) and datasets ($5) whose
-- retention later events can change (a transfer's, a deletion's, a new member's).
-- Two index scans (UNION ALL) rather than one OR, which PostgreSQL answers by a full scan;
-- a row has exactly one target, so no row comes twice.
-- The keys behind (SELECT $n): planned without estimating each of them (sql-files.ts).
SELECT ledger_sequence::text AS ledger_sequence, event_id, occurred_at, target_study_uid,
       target_dataset_id, disclosure_id, recipient_vendor_id, purpose, legal_basis
  FROM rm_disclosures
 WHERE target_study_uid = ANY((SELECT $1::text[])::text[])
   AND ($3::bigint[] IS NULL OR ledger_sequence = ANY($3::bigint[])
        OR (legal_basis = 'PATIENT_AUTHORIZATION' AND target_study_uid = ANY($4::text[])))
UNION ALL
SELECT ledger_sequence::text, event_id, occurred_at, target_study_uid,
       target_dataset_id, disclosure_id, recipient_vendor_id, purpose, legal_basis
  FROM rm_disclosures
 WHERE target_dataset_id = ANY((SELECT $2::text[])::text[])
   AND ($3::bigint[] IS NULL OR ledger_sequence = ANY($3::bigint[])
        OR (legal_basis = 'PATIENT_AUTHORIZATION' AND target_dataset_id = ANY($5::text[])))
