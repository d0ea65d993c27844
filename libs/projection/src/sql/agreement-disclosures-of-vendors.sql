-- Disclosures to the given vendors ($1) whose NO_AGREEMENT findings an agreement of theirs
-- may have changed: under a basis that needs an agreement (every basis but TREATMENT and
-- REQUIRED_BY_LAW), and either holding a stored NO_AGREEMENT finding (it may go, or its
-- detail change) or served by no agreement in force at their time permitting their
-- purpose (they may need one). The others have none and need none, whatever was signed
-- before: agreementInForce and agreementPermits (libs/compliance), in SQL. Each comes with
-- the detail of its stored finding (stored_detail, null without one; its rows, one per study
-- carried, share it), so that the worker compares verdicts per event without reading every
-- row.
WITH agreement AS MATERIALIZED (
  SELECT a.vendor_id, a.permitted_purposes, a.effective_from, a.expires_at,
         (SELECT min(t.terminated_at) FROM rm_agreement_terminations t
           WHERE t.agreement_id = a.agreement_id) AS terminated_at
    FROM rm_agreements a
   WHERE a.vendor_id = ANY($1::text[])
)
SELECT d.ledger_sequence::text AS ledger_sequence, d.event_id, d.occurred_at, d.target_study_uid,
       d.target_dataset_id, d.disclosure_id, d.recipient_vendor_id, d.purpose, d.legal_basis,
       s.stored_detail
  FROM rm_disclosures d
  LEFT JOIN LATERAL (SELECT f.detail AS stored_detail FROM rm_findings f
                      WHERE f.ledger_sequence = d.ledger_sequence AND f.code = 'NO_AGREEMENT'
                      LIMIT 1) s ON true
 WHERE d.recipient_vendor_id = ANY($1::text[])
   AND d.legal_basis NOT IN ('TREATMENT', 'REQUIRED_BY_LAW')
   AND (s.stored_detail IS NOT NULL
        OR NOT EXISTS (SELECT 1 FROM agreement a
                        WHERE a.vendor_id = d.recipient_vendor_id
                          AND d.purpose = ANY(a.permitted_purposes)
                          AND a.effective_from <= d.occurred_at
                          AND (a.expires_at IS NULL OR d.occurred_at <= a.expires_at)
                          AND (a.terminated_at IS NULL OR d.occurred_at < a.terminated_at)))
