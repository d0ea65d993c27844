-- A trace in one statement: every edge that carried study $1 or one of its derivatives (at
-- any depth), then the labels of every node those edges name (row_kind 'EDGE', 'STUDY',
-- 'DATASET', 'VENDOR'), so a request makes one round trip instead of four.
-- Edges: derivations inside that family, its dataset memberships, and the disclosures,
-- onward transfers, trainings and deletions whose target is a family study or a dataset
-- that held one at the event's time. `target_kind`/`target_id`: the event's target;
-- `actor`: the model's trainer; `version`: the model version; `channel`: how a disclosure
-- was made (the Orthanc bridge names the PACS destination there). The depth bounds stop a
-- (malformed) cycle.
-- Labels are read for the ends of all edges, before `asOf` and a vendor's scope (applied by
-- the caller) drop some: a label is looked up by id only, so the extra ones go unused. A
-- label row carries its node's id in from_id.
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
-- Each targeted event (a disclosure, onward transfer, training or deletion: rm_target_events
-- holds the four tables' rows by target); targets are resolved below. `= ANY (ARRAY(...))`
-- (not IN) lets each OR side use its partial target index.
events AS (
  SELECT x.kind, x.target_study_uid, x.target_dataset_id, x.occurred_at, x.event_id,
         x.ledger_sequence, x.from_vendor_id AS from_vendor, x.to_id,
         CASE x.kind WHEN 'TRAINED' THEN 'MODEL' ELSE 'VENDOR' END AS to_kind, x.actor,
         x.version, x.channel
    FROM rm_target_events x
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
),
edges AS (
  SELECT 'DERIVED' AS kind, 'STUDY' AS from_kind, d.source_uid AS from_id, 'STUDY' AS to_kind,
         d.derived_uid AS to_id, d.occurred_at, d.event_id, d.ledger_sequence,
         NULL::text AS target_kind, NULL::text AS target_id, NULL::text AS actor,
         NULL::text AS version, NULL::text AS channel
    FROM rm_derivations d
   WHERE d.derived_uid IN (SELECT uid FROM studies) AND d.source_uid IN (SELECT uid FROM studies)
  UNION ALL
  SELECT 'MEMBER_OF', 'STUDY', m.study_uid, 'DATASET', m.dataset_id, m.added_at, m.event_id,
         m.ledger_sequence, NULL, NULL, NULL, NULL, NULL
    FROM members m
  UNION ALL
  -- Transfers go vendor to vendor; every other event goes from its target.
  SELECT c.kind,
         CASE WHEN c.from_vendor IS NULL THEN c.target_kind ELSE 'VENDOR' END,
         COALESCE(c.from_vendor, c.target_id), c.to_kind, c.to_id, c.occurred_at, c.event_id,
         c.ledger_sequence, c.target_kind, c.target_id, c.actor, c.version, c.channel
    FROM carrying c
),
ends AS (
  SELECT from_kind AS kind, from_id AS id FROM edges
  UNION
  SELECT to_kind, to_id FROM edges
  UNION
  SELECT 'STUDY', $1::text
)
SELECT 'EDGE' AS row_kind, e.kind, e.from_kind, e.from_id, e.to_kind, e.to_id, e.occurred_at,
       e.event_id, e.ledger_sequence::text AS ledger_sequence, e.target_kind, e.target_id,
       e.actor, e.version, e.channel,
       NULL::text AS derived_from, NULL::text[] AS method_codes, NULL::text AS modality,
       NULL::text AS body_part, NULL::text AS study_date, NULL::text AS name
  FROM edges e
UNION ALL
-- Study labels as study-facts.sql reads them: a registered study, or a derivative carrying
-- the modality, body part and date of its label study (rm_derivations.label_uid: the
-- registered study closest to its original, kept by the projection). A derivative without
-- one has none; a study that is not a derivative labels itself if registered.
SELECT 'STUDY', NULL, NULL, u.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       own.source_uid, COALESCE(own.method_codes, '{}'::text[]), reg.modality, reg.body_part,
       reg.study_date, NULL
  FROM ends u
  LEFT JOIN rm_derivations own ON own.derived_uid = u.id
  LEFT JOIN rm_studies reg ON reg.study_uid = COALESCE(own.label_uid, u.id)
 WHERE u.kind = 'STUDY' AND (own.derived_uid IS NOT NULL OR reg.study_uid IS NOT NULL)
UNION ALL
SELECT 'DATASET', NULL, NULL, d.dataset_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, d.name
  FROM rm_datasets d
 WHERE d.dataset_id = ANY (ARRAY(SELECT id FROM ends WHERE kind = 'DATASET'))
UNION ALL
SELECT 'VENDOR', NULL, NULL, v.vendor_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, v.name
  FROM rm_vendors v
 WHERE v.vendor_id = ANY (ARRAY(SELECT id FROM ends WHERE kind = 'VENDOR'))
