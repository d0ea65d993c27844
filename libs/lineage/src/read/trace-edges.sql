-- Every edge that carried study $1 or one of its derivatives (at any depth): derivations
-- inside that family, its dataset memberships, and the disclosures, onward transfers,
-- trainings and deletions whose target is a family study or a dataset that held one at
-- the event's time. `actor` is the vendor an edge concerns besides its ends (the model's
-- trainer); `version` the model version. The depth bound stops a (malformed) cycle.
WITH RECURSIVE family(uid, depth) AS (
  SELECT $1::text, 0
  UNION ALL
  SELECT d.derived_uid, f.depth + 1
    FROM family f JOIN rm_derivations d ON d.source_uid = f.uid
   WHERE f.depth < 64
),
studies AS (SELECT DISTINCT uid FROM family),
members AS (
  SELECT m.dataset_id, m.study_uid, m.added_at, m.event_id, m.ledger_sequence
    FROM rm_dataset_members m JOIN studies s ON s.uid = m.study_uid
),
datasets AS (SELECT DISTINCT dataset_id FROM members),
-- An event on a dataset counts once, however many family members it held.
disclosures AS (
  SELECT x.* FROM rm_disclosures x JOIN studies s ON s.uid = x.target_study_uid
  UNION ALL
  SELECT x.* FROM datasets ds JOIN rm_disclosures x ON x.target_dataset_id = ds.dataset_id
   WHERE EXISTS (SELECT 1 FROM members m
                  WHERE m.dataset_id = x.target_dataset_id AND m.added_at <= x.occurred_at)
),
transfers AS (
  SELECT x.* FROM rm_transfers x JOIN studies s ON s.uid = x.target_study_uid
  UNION ALL
  SELECT x.* FROM datasets ds JOIN rm_transfers x ON x.target_dataset_id = ds.dataset_id
   WHERE EXISTS (SELECT 1 FROM members m
                  WHERE m.dataset_id = x.target_dataset_id AND m.added_at <= x.occurred_at)
),
models AS (
  SELECT x.* FROM rm_models x JOIN studies s ON s.uid = x.target_study_uid
  UNION ALL
  SELECT x.* FROM datasets ds JOIN rm_models x ON x.target_dataset_id = ds.dataset_id
   WHERE EXISTS (SELECT 1 FROM members m
                  WHERE m.dataset_id = x.target_dataset_id AND m.added_at <= x.occurred_at)
),
deletions AS (
  SELECT x.* FROM rm_deletions x JOIN studies s ON s.uid = x.target_study_uid
  UNION ALL
  SELECT x.* FROM datasets ds JOIN rm_deletions x ON x.target_dataset_id = ds.dataset_id
   WHERE EXISTS (SELECT 1 FROM members m
                  WHERE m.dataset_id = x.target_dataset_id AND m.added_at <= x.occurred_at)
)
SELECT 'DERIVED' AS kind, 'STUDY' AS from_kind, d.source_uid AS from_id, 'STUDY' AS to_kind,
       d.derived_uid AS to_id, d.occurred_at, d.event_id, d.ledger_sequence::text AS ledger_sequence,
       NULL::text AS actor, NULL::text AS version
  FROM rm_derivations d
 WHERE d.derived_uid IN (SELECT uid FROM studies) AND d.source_uid IN (SELECT uid FROM studies)
UNION ALL
SELECT 'MEMBER_OF', 'STUDY', m.study_uid, 'DATASET', m.dataset_id, m.added_at, m.event_id,
       m.ledger_sequence::text, NULL, NULL
  FROM members m
UNION ALL
SELECT 'DISCLOSED', CASE WHEN x.target_study_uid IS NULL THEN 'DATASET' ELSE 'STUDY' END,
       COALESCE(x.target_study_uid, x.target_dataset_id), 'VENDOR', x.recipient_vendor_id,
       x.occurred_at, x.event_id, x.ledger_sequence::text, NULL, NULL
  FROM disclosures x
UNION ALL
SELECT 'ONWARD_TRANSFER', 'VENDOR', x.from_vendor_id, 'VENDOR', x.to_vendor_id, x.occurred_at,
       x.event_id, x.ledger_sequence::text, NULL, NULL
  FROM transfers x
UNION ALL
SELECT 'TRAINED', CASE WHEN x.target_study_uid IS NULL THEN 'DATASET' ELSE 'STUDY' END,
       COALESCE(x.target_study_uid, x.target_dataset_id), 'MODEL', x.model_id, x.occurred_at,
       x.event_id, x.ledger_sequence::text, x.vendor_id, x.model_version
  FROM models x
UNION ALL
SELECT 'DELETED', CASE WHEN x.target_study_uid IS NULL THEN 'DATASET' ELSE 'STUDY' END,
       COALESCE(x.target_study_uid, x.target_dataset_id), 'VENDOR', x.vendor_id, x.occurred_at,
       x.event_id, x.ledger_sequence::text, NULL, NULL
  FROM deletions x
