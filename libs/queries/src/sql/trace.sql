-- A trace in one statement: every edge that carried study $1 or one of its derivatives (at
-- any depth), then the labels of every node those edges name (row_kind 'EDGE', 'STUDY',
-- 'DATASET', 'VENDOR'), so a request makes one round trip instead of four.
-- Edges: derivations inside that family, its dataset memberships, and the disclosures,
-- onward transfers, trainings and deletions whose target is a family study or a dataset
-- that held one at the event's time. `target_kind`/`target_id`: the event's target;
-- `actor`: the model's trainer; `version`: the model version; `channel`: how a disclosure
-- was made (the Orthanc bridge names the PACS destination there). The depth bound stops a
-- (malformed) cycle.
-- Labels are read for the ends of all edges, before `asOf` and a vendor's scope (applied by
-- the caller) drop some: a label is looked up by id only, so the extra ones go unused. A
-- label row carries its node's id in from_id.
-- The walk down the family carries each study's own derivation row (a study has at most
-- one: derived_uid is rm_derivations' key), $1's read by the start: the derivation edges
-- and the study labels come from those rows, not from second reads of rm_derivations.
WITH RECURSIVE family(uid, depth, source_uid, method_codes, label_uid, occurred_at, event_id,
                      ledger_sequence) AS (
  SELECT s.uid, 0, o.source_uid, o.method_codes, o.label_uid, o.occurred_at, o.event_id,
         o.ledger_sequence
    FROM (SELECT $1::text AS uid) s LEFT JOIN rm_derivations o ON o.derived_uid = s.uid
  UNION ALL
  SELECT d.derived_uid, f.depth + 1, d.source_uid, d.method_codes, d.label_uid, d.occurred_at,
         d.event_id, d.ledger_sequence
    FROM family f JOIN rm_derivations d ON d.source_uid = f.uid
   WHERE f.depth < 64
),
-- Each family study once (every row of a study carries the same derivation row).
studies AS (
  SELECT DISTINCT uid, source_uid, method_codes, label_uid, occurred_at, event_id, ledger_sequence
    FROM family
),
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
)
-- A derivation inside the family: every study the walk reached from its source; $1's own
-- only if its source is in the family (a cycle).
SELECT 'EDGE' AS row_kind, 'DERIVED' AS kind, 'STUDY' AS from_kind, s.source_uid AS from_id,
       'STUDY' AS to_kind, s.uid AS to_id, s.occurred_at, s.event_id,
       s.ledger_sequence::text AS ledger_sequence, NULL::text AS target_kind,
       NULL::text AS target_id, NULL::text AS actor, NULL::text AS version, NULL::text AS channel,
       NULL::text AS derived_from, NULL::text[] AS method_codes, NULL::text AS modality,
       NULL::text AS body_part, NULL::text AS study_date, NULL::text AS name
  FROM studies s
 WHERE s.source_uid = ANY (ARRAY(SELECT uid FROM studies))
UNION ALL
SELECT 'EDGE', 'MEMBER_OF', 'STUDY', m.study_uid, 'DATASET', m.dataset_id, m.added_at, m.event_id,
       m.ledger_sequence::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM members m
UNION ALL
-- Transfers go vendor to vendor; every other event goes from its target.
SELECT 'EDGE', c.kind, CASE WHEN c.from_vendor IS NULL THEN c.target_kind ELSE 'VENDOR' END,
       COALESCE(c.from_vendor, c.target_id), c.to_kind, c.to_id, c.occurred_at, c.event_id,
       c.ledger_sequence::text, c.target_kind, c.target_id, c.actor, c.version, c.channel,
       NULL, NULL, NULL, NULL, NULL, NULL
  FROM carrying c
UNION ALL
-- The study ends of the edges are the family (each reached study is a derivation's end, $1
-- is named), labelled as study-facts.sql reads them: a registered study, or a derivative
-- carrying the modality, body part and date of its label study (rm_derivations.label_uid:
-- the registered study closest to its original, kept by the projection). A derivative
-- without one has none; a study that is not a derivative labels itself if registered.
SELECT 'STUDY', NULL, NULL, s.uid, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       s.source_uid, COALESCE(s.method_codes, '{}'::text[]), reg.modality, reg.body_part,
       reg.study_date, NULL
  FROM studies s
  LEFT JOIN rm_studies reg ON reg.study_uid = COALESCE(s.label_uid, s.uid)
 WHERE s.source_uid IS NOT NULL OR reg.study_uid IS NOT NULL
UNION ALL
-- The dataset ends are the family's datasets (its memberships name them all).
SELECT 'DATASET', NULL, NULL, d.dataset_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, d.name
  FROM rm_datasets d
 WHERE d.dataset_id = ANY (ARRAY(SELECT dataset_id FROM datasets))
UNION ALL
-- The vendor ends: transfers' senders and the recipients of vendor edges.
SELECT 'VENDOR', NULL, NULL, v.vendor_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, v.name
  FROM rm_vendors v
 WHERE v.vendor_id = ANY (ARRAY(SELECT from_vendor FROM carrying WHERE from_vendor IS NOT NULL
                                UNION ALL
                                SELECT to_id FROM carrying WHERE to_kind = 'VENDOR'))
