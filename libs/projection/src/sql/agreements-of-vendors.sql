-- Agreements of the given vendors, each with its earliest termination.
SELECT a.agreement_id, a.vendor_id, a.permitted_purposes, a.effective_from, a.expires_at,
       a.allows_onward_transfer,
       (SELECT min(t.terminated_at) FROM rm_agreement_terminations t WHERE t.agreement_id = a.agreement_id) AS terminated_at
  FROM rm_agreements a
 WHERE a.vendor_id = ANY($1::text[])
