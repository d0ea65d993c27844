-- Disclosures whose NO_AGREEMENT finding an agreement's change may have moved: to the
-- regions' vendors ($1, a jsonb array of regions of side 'recipient': vendor_id, purposes
-- (null: any), before and since (null: none), agreement-changes.ts in libs/compliance), at a
-- time before `before` or at or after `since`, each a range of the (vendor, time) index;
-- under a basis that needs an agreement (every basis but TREATMENT and REQUIRED_BY_LAW);
-- and either holding a stored NO_AGREEMENT finding (it may go, or its detail change) or
-- served by no agreement in force at its time permitting its purpose (it may need one).
-- The others have none and need none: agreementInForce and agreementPermits, in SQL. Each
-- comes with the detail of its stored finding (stored_detail, null without one; its rows,
-- one per study carried, share it).
WITH region AS MATERIALIZED (
  SELECT r.vendor_id, r.purposes, r.before, r.since
    FROM jsonb_to_recordset($1::jsonb)
         AS r(vendor_id text, side text, purposes text[], before timestamptz, since timestamptz)
   WHERE r.side = 'recipient'
), agreement AS MATERIALIZED (
  SELECT a.vendor_id, a.permitted_purposes, a.effective_from, a.expires_at,
         (SELECT min(t.terminated_at) FROM rm_agreement_terminations t
           WHERE t.agreement_id = a.agreement_id) AS terminated_at
    FROM rm_agreements a
   WHERE a.vendor_id IN (SELECT vendor_id FROM region)
), touched AS (
  SELECT DISTINCT x.ledger_sequence
    FROM region r
   CROSS JOIN LATERAL (
         SELECT d.ledger_sequence, d.purpose FROM rm_disclosures d
          WHERE d.recipient_vendor_id = r.vendor_id AND d.occurred_at < r.before
         UNION ALL
         SELECT d.ledger_sequence, d.purpose FROM rm_disclosures d
          WHERE d.recipient_vendor_id = r.vendor_id AND d.occurred_at >= r.since) x
   WHERE r.purposes IS NULL OR x.purpose = ANY(r.purposes)
)
SELECT d.ledger_sequence::text AS ledger_sequence, d.event_id, d.occurred_at, d.target_study_uid,
       d.target_dataset_id, d.disclosure_id, d.recipient_vendor_id, d.purpose, d.legal_basis,
       s.stored_detail,
       -- Whether its stored rows are every study it carried, all with that detail (they
       -- share one row of rm_finding_details, read once per event here, not once per row
       -- as rm_findings would; so the count is of rows; a
       -- dataset's members added by its time; the study pass of a round may have written
       -- some members' rows only): an event whose verdict keeps its detail is left alone
       -- only then.
       (d.target_dataset_id IS NULL OR s.stored_detail IS NULL OR
        (SELECT count(*) FROM rm_finding_rows f
          WHERE f.ledger_sequence = d.ledger_sequence AND f.code = 'NO_AGREEMENT'
            AND COALESCE(f.detail,
                         (SELECT x.detail FROM rm_finding_details x
                           WHERE x.ledger_sequence = d.ledger_sequence
                             AND x.code = 'NO_AGREEMENT')) = s.stored_detail)
        = (SELECT count(*) FROM rm_dataset_members m
            WHERE m.dataset_id = d.target_dataset_id AND m.added_at <= d.occurred_at))
         AS stored_whole
  FROM touched t
  JOIN rm_disclosures d ON d.ledger_sequence = t.ledger_sequence
  LEFT JOIN LATERAL (SELECT f.detail AS stored_detail FROM rm_findings f
                      WHERE f.ledger_sequence = d.ledger_sequence AND f.code = 'NO_AGREEMENT'
                      LIMIT 1) s ON true
 WHERE d.legal_basis NOT IN ('TREATMENT', 'REQUIRED_BY_LAW')
   AND (s.stored_detail IS NOT NULL
        OR NOT EXISTS (SELECT 1 FROM agreement a
                        WHERE a.vendor_id = d.recipient_vendor_id
                          AND d.purpose = ANY(a.permitted_purposes)
                          AND a.effective_from <= d.occurred_at
                          AND (a.expires_at IS NULL OR d.occurred_at <= a.expires_at)
                          AND (a.terminated_at IS NULL OR d.occurred_at < a.terminated_at)))
