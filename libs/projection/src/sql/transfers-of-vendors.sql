-- Onward transfers from or to the given vendors ($1) whose UNAUTHORIZED_ONWARD_TRANSFER
-- findings an agreement of theirs may have changed: those holding a stored one (it may go,
-- or its detail change), and those whose sender has no agreement in force at their time
-- allowing onward transfer or whose receiver none permitting their purpose (they may need
-- one). The others have none and need none. Two index scans (UNION, so a transfer between
-- two of them comes once). Each comes with the detail of its stored finding, as
-- agreement-disclosures-of-vendors.sql.
WITH agreement AS MATERIALIZED (
  SELECT a.vendor_id, a.permitted_purposes, a.allows_onward_transfer, a.effective_from,
         a.expires_at,
         (SELECT min(t.terminated_at) FROM rm_agreement_terminations t
           WHERE t.agreement_id = a.agreement_id) AS terminated_at
    FROM rm_agreements a
), touched AS (
  SELECT * FROM rm_transfers WHERE from_vendor_id = ANY($1::text[])
  UNION
  SELECT * FROM rm_transfers WHERE to_vendor_id = ANY($1::text[])
)
SELECT c.ledger_sequence::text AS ledger_sequence, c.event_id, c.occurred_at, c.target_study_uid,
       c.target_dataset_id, c.transfer_id, c.from_vendor_id, c.to_vendor_id, c.purpose,
       s.stored_detail
  FROM (SELECT x.* FROM touched x
         WHERE EXISTS (SELECT 1 FROM rm_findings f
                        WHERE f.ledger_sequence = x.ledger_sequence
                          AND f.code = 'UNAUTHORIZED_ONWARD_TRANSFER')
            OR NOT EXISTS (SELECT 1 FROM agreement a
                            WHERE a.vendor_id = x.from_vendor_id AND a.allows_onward_transfer
                              AND a.effective_from <= x.occurred_at
                              AND (a.expires_at IS NULL OR x.occurred_at <= a.expires_at)
                              AND (a.terminated_at IS NULL OR x.occurred_at < a.terminated_at))
            OR NOT EXISTS (SELECT 1 FROM agreement a
                            WHERE a.vendor_id = x.to_vendor_id AND x.purpose = ANY(a.permitted_purposes)
                              AND a.effective_from <= x.occurred_at
                              AND (a.expires_at IS NULL OR x.occurred_at <= a.expires_at)
                              AND (a.terminated_at IS NULL OR x.occurred_at < a.terminated_at))
        OFFSET 0) c
  LEFT JOIN LATERAL (SELECT f.detail AS stored_detail FROM rm_findings f
                      WHERE f.ledger_sequence = c.ledger_sequence AND f.code = 'UNAUTHORIZED_ONWARD_TRANSFER'
                      LIMIT 1) s ON true
