-- Records which studies each vendor received, for the events of a batch: the targets of
-- its new disclosures ($1) and transfers ($2) (a dataset with the members it held at the
-- event's time), and the new dataset members ($3 datasets, $4 studies) carried by earlier
-- disclosures and transfers of their dataset. Receipts only grow: memberships are never
-- removed and a member's time only moves earlier.
INSERT INTO rm_vendor_receipts (vendor_id, study_uid)
SELECT x.recipient_vendor_id, x.target_study_uid
  FROM rm_disclosures x WHERE x.ledger_sequence = ANY($1::bigint[]) AND x.target_study_uid IS NOT NULL
UNION
SELECT x.recipient_vendor_id, m.study_uid
  FROM rm_disclosures x
  JOIN rm_dataset_members m ON m.dataset_id = x.target_dataset_id AND m.added_at <= x.occurred_at
 WHERE x.ledger_sequence = ANY($1::bigint[])
UNION
SELECT x.to_vendor_id, x.target_study_uid
  FROM rm_transfers x WHERE x.ledger_sequence = ANY($2::bigint[]) AND x.target_study_uid IS NOT NULL
UNION
SELECT x.to_vendor_id, m.study_uid
  FROM rm_transfers x
  JOIN rm_dataset_members m ON m.dataset_id = x.target_dataset_id AND m.added_at <= x.occurred_at
 WHERE x.ledger_sequence = ANY($2::bigint[])
UNION
SELECT x.recipient_vendor_id, m.study_uid
  FROM unnest($3::text[], $4::text[]) AS n(dataset_id, study_uid)
  JOIN rm_dataset_members m ON m.dataset_id = n.dataset_id AND m.study_uid = n.study_uid
  JOIN rm_disclosures x ON x.target_dataset_id = m.dataset_id AND m.added_at <= x.occurred_at
UNION
SELECT x.to_vendor_id, m.study_uid
  FROM unnest($3::text[], $4::text[]) AS n(dataset_id, study_uid)
  JOIN rm_dataset_members m ON m.dataset_id = n.dataset_id AND m.study_uid = n.study_uid
  JOIN rm_transfers x ON x.target_dataset_id = m.dataset_id AND m.added_at <= x.occurred_at
ON CONFLICT DO NOTHING
