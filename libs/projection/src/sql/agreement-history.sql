-- Every signing ($1 agreements) and termination of the given agreements, with the entry
-- that recorded it: what the findings worker replays to tell what a round changed.
SELECT 'signed' AS kind, s.agreement_id, s.ledger_sequence::text AS ledger_sequence,
       s.vendor_id, s.permitted_purposes, s.effective_from, s.expires_at,
       s.allows_onward_transfer, s.event_time, NULL::timestamptz AS terminated_at
  FROM rm_agreement_signings s
 WHERE s.agreement_id = ANY($1::text[])
UNION ALL
SELECT 'terminated', t.agreement_id, t.ledger_sequence::text, NULL, NULL, NULL, NULL, NULL, NULL,
       t.terminated_at
  FROM rm_agreement_terminations t
 WHERE t.agreement_id = ANY($1::text[])
