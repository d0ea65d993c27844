-- Disclosures whose target is one of the studies ($1) or datasets ($2) that one of the consent
-- recordings ($3, a JSON array of {decision, purposes, vendor_ids}) can cover: for one of its
-- purposes, to one of its recipients (none named: any), under a basis it concerns (a PERMIT:
-- PATIENT_AUTHORIZATION; a DENY: every basis but TREATMENT and REQUIRED_BY_LAW). Whether the
-- patient and the scope match is the rules' to say. Two index scans, as disclosures-of-targets.
WITH c AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($3::jsonb) AS c(decision text, purposes text[], vendor_ids text[])
)
SELECT ledger_sequence::text AS ledger_sequence, event_id, occurred_at, target_study_uid,
       target_dataset_id, disclosure_id, recipient_vendor_id, purpose, legal_basis
  FROM rm_disclosures d
 WHERE target_study_uid = ANY((SELECT $1::text[])::text[])
   AND EXISTS (SELECT 1 FROM c
                WHERE d.purpose = ANY(c.purposes)
                  AND (c.vendor_ids IS NULL OR d.recipient_vendor_id = ANY(c.vendor_ids))
                  AND CASE WHEN c.decision = 'PERMIT'
                           THEN d.legal_basis = 'PATIENT_AUTHORIZATION'
                           ELSE d.legal_basis NOT IN ('TREATMENT', 'REQUIRED_BY_LAW') END)
UNION ALL
SELECT ledger_sequence::text, event_id, occurred_at, target_study_uid,
       target_dataset_id, disclosure_id, recipient_vendor_id, purpose, legal_basis
  FROM rm_disclosures d
 WHERE target_dataset_id = ANY((SELECT $2::text[])::text[])
   AND EXISTS (SELECT 1 FROM c
                WHERE d.purpose = ANY(c.purposes)
                  AND (c.vendor_ids IS NULL OR d.recipient_vendor_id = ANY(c.vendor_ids))
                  AND CASE WHEN c.decision = 'PERMIT'
                           THEN d.legal_basis = 'PATIENT_AUTHORIZATION'
                           ELSE d.legal_basis NOT IN ('TREATMENT', 'REQUIRED_BY_LAW') END)
