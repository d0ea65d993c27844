-- Every edge that carried study $1 or one of its derivatives (at any depth): derivations
-- inside that family, its dataset memberships, and the disclosures, onward transfers,
-- trainings and deletions whose target is a family study or a dataset that held one at
-- the event's time. `target_kind`/`target_id`: the event's target; `actor`: the model's
-- trainer; `version`: the model version; `channel`: how a disclosure was made (the
-- Orthanc bridge names the PACS destination there). The depth bound stops a (malformed) cycle.
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
-- Each targeted event as (kind, from, to, actor, version, channel); targets are resolved below.
-- `= ANY (ARRAY(...))` (not IN) lets each OR side use its partial target index.
events AS (
  SELECT 'DISCLOSED' AS kind, x.target_study_uid, x.target_dataset_id, x.occurred_at, x.event_id,
         x.ledger_sequence, NULL::text AS from_vendor, x.recipient_vendor_id AS to_id, 'VENDOR' AS to_kind,
         NULL::text AS actor, NULL::text AS version, x.channel
    FROM rm_disclosures x
   WHERE x.target_study_uid = ANY (ARRAY(SELECT uid FROM studies))
      OR x.target_dataset_id = ANY (ARRAY(SELECT dataset_id FROM datasets))
  UNION ALL
  SELECT 'ONWARD_TRANSFER', x.target_study_uid, x.target_dataset_id, x.occurred_at, x.event_id,
         x.ledger_sequence, x.from_vendor_id, x.to_vendor_id, 'VENDOR', NULL, NULL, NULL
    FROM rm_transfers x
   WHERE x.target_study_uid = ANY (ARRAY(SELECT uid FROM studies))
      OR x.target_dataset_id = ANY (ARRAY(SELECT dataset_id FROM datasets))
  UNION ALL
  SELECT 'TRAINED', x.target_study_uid, x.target_dataset_id, x.occurred_at, x.event_id,
         x.ledger_sequence, NULL, x.model_id, 'MODEL', x.vendor_id, x.model_version, NULL
    FROM rm_models x
   WHERE x.target_study_uid = ANY (ARRAY(SELECT uid FROM studies))
      OR x.target_dataset_id = ANY (ARRAY(SELECT dataset_id FROM datasets))
  UNION ALL
  SELECT 'DELETED', x.target_study_uid, x.target_dataset_id, x.occurred_at, x.event_id,
         x.ledger_sequence, NULL, x.vendor_id, 'VENDOR', NULL, NULL, NULL
    FROM rm_deletions x
   WHERE x.target_study_uid = ANY (ARRAY(SELECT uid FROM studies))
      OR x.target_dataset_id = ANY (ARRAY(SELECT dataset_id FROM datasets))
),
-- A dataset event carries the family only if a member was added at or before it.
carrying AS (
  SELECT e.*,
         CASE WHEN e.target_study_uid IS NULL THEN 'DATASET' ELSE 'STUDY' END AS target_kind,
         COALESCE(e.target_study_uid, e.target_dataset_id) AS target_id
    FROM events e
   WHERE e.target_study_uid IS NOT NULL
      OR EXISTS (SELECT 1 FROM members m
                  WHERE m.dataset_id = e.target_dataset_id AND m.added_at <= e.occurred_at)
)
SELECT 'DERIVED' AS kind, 'STUDY' AS from_kind, d.source_uid AS from_id, 'STUDY' AS to_kind,
       d.derived_uid AS to_id, d.occurred_at, d.event_id, d.ledger_sequence::text AS ledger_sequence,
       NULL::text AS target_kind, NULL::text AS target_id, NULL::text AS actor, NULL::text AS version,
       NULL::text AS channel
  FROM rm_derivations d
 WHERE d.derived_uid IN (SELECT uid FROM studies) AND d.source_uid IN (SELECT uid FROM studies)
UNION ALL
SELECT 'MEMBER_OF', 'STUDY', m.study_uid, 'DATASET', m.dataset_id, m.added_at, m.event_id,
       m.ledger_sequence::text, NULL, NULL, NULL, NULL, NULL
  FROM members m
UNION ALL
-- Transfers go vendor to vendor; every other event goes from its target.
SELECT c.kind,
       CASE WHEN c.from_vendor IS NULL THEN c.target_kind ELSE 'VENDOR' END,
       COALESCE(c.from_vendor, c.target_id), c.to_kind, c.to_id, c.occurred_at, c.event_id,
       c.ledger_sequence::text, c.target_kind, c.target_id, c.actor, c.version, c.channel
  FROM carrying c
