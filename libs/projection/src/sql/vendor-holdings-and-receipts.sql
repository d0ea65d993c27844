-- What each vendor holds, for the events of a batch: its new disclosures ($1) and
-- transfers ($2) (the receiver's receipts, R) and deletions ($3) (the vendor's deletion
-- attestations, X), a dataset target carrying the members it held at the event's time; and
-- the new dataset members ($4 datasets, $5 studies) carried by earlier events of their
-- dataset. The expansion is computed once (held) and written twice: every row to
-- rm_vendor_holdings (breach impact, CONTRACT v1.1 section 3.1) and each (vendor, study)
-- of its receipts to rm_vendor_receipts (which studies each vendor received). Rows only
-- grow: memberships are never removed and a member's time only moves earlier. Returns the
-- receipts it added (breached false: vendor-statistics.sql counts them), each (vendor,
-- study) of the rows it added whose vendor has a breach reported (breached true: what
-- rm_breach_affected may have to follow, with the earliest of their times: no breach whose
-- exposure ended before it can move), and each (vendor, study) of the rows it added
-- (breached null: the deletion requests whose kept obligations of that vendor may have to
-- follow), with whether one of them is an attestation and the earliest of their times (a
-- receipt at r holds no request made before r).
WITH batch AS (
  SELECT 'R'::"char" AS kind, recipient_vendor_id AS vendor_id, ledger_sequence, occurred_at,
         target_study_uid, target_dataset_id
    FROM rm_disclosures WHERE ledger_sequence = ANY($1::bigint[])
  UNION ALL
  SELECT 'R', to_vendor_id, ledger_sequence, occurred_at, target_study_uid, target_dataset_id
    FROM rm_transfers WHERE ledger_sequence = ANY($2::bigint[])
  UNION ALL
  SELECT 'X', vendor_id, ledger_sequence, occurred_at, target_study_uid, target_dataset_id
    FROM rm_deletions WHERE ledger_sequence = ANY($3::bigint[])
), new_members AS (
  SELECT m.dataset_id, m.study_uid, m.added_at
    FROM unnest($4::text[], $5::text[]) AS n(dataset_id, study_uid)
    JOIN rm_dataset_members m ON m.dataset_id = n.dataset_id AND m.study_uid = n.study_uid
), held AS MATERIALIZED (
  SELECT vendor_id, target_study_uid AS study_uid, kind, occurred_at AS at, ledger_sequence
    FROM batch WHERE target_study_uid IS NOT NULL
  UNION ALL
  SELECT b.vendor_id, m.study_uid, b.kind, b.occurred_at, b.ledger_sequence
    FROM batch b
    JOIN rm_dataset_members m ON m.dataset_id = b.target_dataset_id AND m.added_at <= b.occurred_at
  UNION ALL
  SELECT x.recipient_vendor_id, n.study_uid, 'R', x.occurred_at, x.ledger_sequence
    FROM new_members n
    JOIN rm_disclosures x ON x.target_dataset_id = n.dataset_id AND n.added_at <= x.occurred_at
  UNION ALL
  SELECT x.to_vendor_id, n.study_uid, 'R', x.occurred_at, x.ledger_sequence
    FROM new_members n
    JOIN rm_transfers x ON x.target_dataset_id = n.dataset_id AND n.added_at <= x.occurred_at
  UNION ALL
  SELECT x.vendor_id, n.study_uid, 'X', x.occurred_at, x.ledger_sequence
    FROM new_members n
    JOIN rm_deletions x ON x.target_dataset_id = n.dataset_id AND n.added_at <= x.occurred_at
), receipts AS (
  INSERT INTO rm_vendor_receipts (vendor_id, study_uid)
  SELECT DISTINCT vendor_id, study_uid FROM held WHERE kind = 'R'
  ON CONFLICT DO NOTHING
  RETURNING vendor_id, study_uid
), holdings AS (
  INSERT INTO rm_vendor_holdings (vendor_id, study_uid, kind, at, ledger_sequence)
  SELECT vendor_id, study_uid, kind, at, ledger_sequence FROM held
  ON CONFLICT DO NOTHING
  RETURNING vendor_id, study_uid, kind, at
)
SELECT false AS breached, vendor_id, study_uid, NULL::boolean AS attested, NULL::timestamptz AS since
  FROM receipts
UNION ALL
SELECT true, h.vendor_id, h.study_uid, NULL::boolean, min(h.at)
  FROM holdings h WHERE EXISTS (SELECT 1 FROM rm_breaches b WHERE b.vendor_id = h.vendor_id)
 GROUP BY h.vendor_id, h.study_uid
UNION ALL
SELECT NULL::boolean, h.vendor_id, h.study_uid, bool_or(h.kind = 'X'), min(h.at)
  FROM holdings h GROUP BY h.vendor_id, h.study_uid
