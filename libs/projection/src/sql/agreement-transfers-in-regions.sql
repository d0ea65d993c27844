-- Onward transfers whose UNAUTHORIZED_ONWARD_TRANSFER finding an agreement's change may
-- have moved: to a region's vendor with one of its purposes (side 'recipient'), or from it
-- (side 'sender': the need is onward transfer, whatever the purpose), at a time before
-- `before` or at or after `since` ($1, as agreement-disclosures-in-regions.sql), each a
-- range of a (vendor, time) index; and either holding a stored finding (it may go, or its
-- detail change), or whose sender has no agreement in force at their time allowing onward
-- transfer or whose receiver none permitting their purpose (they may need one). The others
-- have none and need none. Each comes with the detail of its stored finding.
WITH region AS MATERIALIZED (
  SELECT r.vendor_id, r.side, r.purposes, r.before, r.since
    FROM jsonb_to_recordset($1::jsonb)
         AS r(vendor_id text, side text, purposes text[], before timestamptz, since timestamptz)
), agreement AS MATERIALIZED (
  SELECT a.vendor_id, a.permitted_purposes, a.allows_onward_transfer, a.effective_from,
         a.expires_at,
         (SELECT min(t.terminated_at) FROM rm_agreement_terminations t
           WHERE t.agreement_id = a.agreement_id) AS terminated_at
    FROM rm_agreements a
), touched AS (
  SELECT DISTINCT x.ledger_sequence
    FROM region r
   CROSS JOIN LATERAL (
         SELECT c.ledger_sequence, c.purpose FROM rm_transfers c
          WHERE r.side = 'recipient' AND c.to_vendor_id = r.vendor_id AND c.occurred_at < r.before
         UNION ALL
         SELECT c.ledger_sequence, c.purpose FROM rm_transfers c
          WHERE r.side = 'recipient' AND c.to_vendor_id = r.vendor_id AND c.occurred_at >= r.since
         UNION ALL
         SELECT c.ledger_sequence, NULL FROM rm_transfers c
          WHERE r.side = 'sender' AND c.from_vendor_id = r.vendor_id AND c.occurred_at < r.before
         UNION ALL
         SELECT c.ledger_sequence, NULL FROM rm_transfers c
          WHERE r.side = 'sender' AND c.from_vendor_id = r.vendor_id AND c.occurred_at >= r.since) x
   WHERE r.purposes IS NULL OR x.purpose = ANY(r.purposes)
)
SELECT c.ledger_sequence::text AS ledger_sequence, c.event_id, c.occurred_at, c.target_study_uid,
       c.target_dataset_id, c.transfer_id, c.from_vendor_id, c.to_vendor_id, c.purpose,
       s.stored_detail,
       -- Whether its stored rows are every study it carried, all with that detail (they
       -- share one row of rm_finding_details, read once per event here, not once per row
       -- as rm_findings would; so the count is of rows; a
       -- dataset's members added by its time; the study pass of a round may have written
       -- some members' rows only): an event whose verdict keeps its detail is left alone
       -- only then.
       (c.target_dataset_id IS NULL OR s.stored_detail IS NULL OR
        (SELECT count(*) FROM rm_finding_rows f
          WHERE f.ledger_sequence = c.ledger_sequence AND f.code = 'UNAUTHORIZED_ONWARD_TRANSFER'
            AND COALESCE(f.detail,
                         (SELECT x.detail FROM rm_finding_details x
                           WHERE x.ledger_sequence = c.ledger_sequence
                             AND x.code = 'UNAUTHORIZED_ONWARD_TRANSFER')) = s.stored_detail)
        = (SELECT count(*) FROM rm_dataset_members m
            WHERE m.dataset_id = c.target_dataset_id AND m.added_at <= c.occurred_at))
         AS stored_whole
  FROM touched t
  JOIN rm_transfers c ON c.ledger_sequence = t.ledger_sequence
  LEFT JOIN LATERAL (SELECT f.detail AS stored_detail FROM rm_findings f
                      WHERE f.ledger_sequence = c.ledger_sequence AND f.code = 'UNAUTHORIZED_ONWARD_TRANSFER'
                      LIMIT 1) s ON true
 WHERE s.stored_detail IS NOT NULL
    OR NOT EXISTS (SELECT 1 FROM agreement a
                    WHERE a.vendor_id = c.from_vendor_id AND a.allows_onward_transfer
                      AND a.effective_from <= c.occurred_at
                      AND (a.expires_at IS NULL OR c.occurred_at <= a.expires_at)
                      AND (a.terminated_at IS NULL OR c.occurred_at < a.terminated_at))
    OR NOT EXISTS (SELECT 1 FROM agreement a
                    WHERE a.vendor_id = c.to_vendor_id AND c.purpose = ANY(a.permitted_purposes)
                      AND a.effective_from <= c.occurred_at
                      AND (a.expires_at IS NULL OR c.occurred_at <= a.expires_at)
                      AND (a.terminated_at IS NULL OR c.occurred_at < a.terminated_at))
