// The reviewed SQL behind deletion requests and breach impact. Parameters are always bound.

export const REQUEST_BY_ID = `
SELECT request_id, patient, patient_system, requested_at, due_by, scope_study_uids,
       legal_ground, event_id, ledger_sequence::text AS ledger_sequence
  FROM rm_deletion_requests
 WHERE request_id = $1`;

/**
 * Every study of the given patients (pseudonyms) and every derivative of them, at any depth.
 * Each level probes rm_derivations_source per study (OFFSET 0 keeps the subquery from being
 * flattened into a join): planned as a join, a few hundred patients' estimate chose a hash of
 * every derivation on each level (180 ms for 500 patients at 1M, growing with the ledger;
 * 5.5 ms so).
 */
export const PATIENT_FAMILIES = `
WITH RECURSIVE family(uid) AS (
  SELECT study_uid FROM rm_studies WHERE patient = ANY($1::text[])
  UNION
  SELECT d.derived_uid
    FROM family f
   CROSS JOIN LATERAL (SELECT derived_uid FROM rm_derivations WHERE source_uid = f.uid OFFSET 0) d
)
SELECT uid FROM family`;

/** The given uids and every ancestor up to the originals (for a derivative's patient). */
export const WITH_ANCESTORS = `
WITH RECURSIVE up(uid) AS (
  SELECT unnest($1::text[])
  UNION
  SELECT d.source_uid FROM rm_derivations d JOIN up ON d.derived_uid = up.uid
)
SELECT uid FROM up`;

/** Registration and derivation facts of the given uids, with their event times. */
export const STUDY_FACTS = `
SELECT u.uid, s.patient, s.patient_system, s.patient_value_pseudonym, s.accession_number,
       s.modality, s.body_part, s.event_time AS registered_at, d.source_uid, d.method_codes, d.occurred_at AS derived_at
  FROM unnest($1::text[]) AS u(uid)
  LEFT JOIN rm_studies s ON s.study_uid = u.uid
  LEFT JOIN rm_derivations d ON d.derived_uid = u.uid
 WHERE s.study_uid IS NOT NULL OR d.derived_uid IS NOT NULL`;

/**
 * Every inspection of the given uids (not only the latest: an evaluation as of a time leaves
 * out those that had not happened yet).
 */
export const INSPECTIONS_OF_STUDIES = `
SELECT inspection_id, study_uid, occurred_at, ledger_sequence::text AS ledger_sequence, result,
       issues, patient_identifiers_found
  FROM rm_inspections WHERE study_uid = ANY($1::text[])`;

export const MEMBERSHIPS_OF_STUDIES = `
SELECT dataset_id, study_uid, added_at FROM rm_dataset_members WHERE study_uid = ANY($1::text[])`;

export const MEMBERS_OF_DATASETS = `
SELECT dataset_id, study_uid, added_at FROM rm_dataset_members WHERE dataset_id = ANY($1::text[])`;

/** Disclosures (D), onward transfers (T, to the receiver) and deletions (X) of the targets. */
export const EVENTS_OF_TARGETS = `
SELECT 'D' AS kind, event_id, ledger_sequence::text AS ledger_sequence, occurred_at,
       target_study_uid, target_dataset_id, recipient_vendor_id AS vendor_id
  FROM rm_disclosures WHERE target_study_uid = ANY($1::text[]) OR target_dataset_id = ANY($2::text[])
UNION ALL
SELECT 'T', event_id, ledger_sequence::text, occurred_at, target_study_uid, target_dataset_id, to_vendor_id
  FROM rm_transfers WHERE target_study_uid = ANY($1::text[]) OR target_dataset_id = ANY($2::text[])
UNION ALL
SELECT 'X', event_id, ledger_sequence::text, occurred_at, target_study_uid, target_dataset_id, vendor_id
  FROM rm_deletions WHERE target_study_uid = ANY($1::text[]) OR target_dataset_id = ANY($2::text[])`;

/** EVENTS_OF_TARGETS of the vendors $3 alone (the receiver of a transfer, the attesting vendor). */
export const EVENTS_OF_TARGETS_OF_VENDORS = `
SELECT 'D' AS kind, event_id, ledger_sequence::text AS ledger_sequence, occurred_at,
       target_study_uid, target_dataset_id, recipient_vendor_id AS vendor_id
  FROM rm_disclosures
 WHERE (target_study_uid = ANY($1::text[]) OR target_dataset_id = ANY($2::text[]))
   AND recipient_vendor_id = ANY($3::text[])
UNION ALL
SELECT 'T', event_id, ledger_sequence::text, occurred_at, target_study_uid, target_dataset_id, to_vendor_id
  FROM rm_transfers
 WHERE (target_study_uid = ANY($1::text[]) OR target_dataset_id = ANY($2::text[]))
   AND to_vendor_id = ANY($3::text[])
UNION ALL
SELECT 'X', event_id, ledger_sequence::text, occurred_at, target_study_uid, target_dataset_id, vendor_id
  FROM rm_deletions
 WHERE (target_study_uid = ANY($1::text[]) OR target_dataset_id = ANY($2::text[]))
   AND vendor_id = ANY($3::text[])`;

/** What one vendor received (disclosed or transferred to it) and the deletions it attested. */
export const EVENTS_OF_VENDOR = `
SELECT 'D' AS kind, event_id, ledger_sequence::text AS ledger_sequence, occurred_at,
       target_study_uid, target_dataset_id, recipient_vendor_id AS vendor_id
  FROM rm_disclosures WHERE recipient_vendor_id = $1
UNION ALL
SELECT 'T', event_id, ledger_sequence::text, occurred_at, target_study_uid, target_dataset_id, to_vendor_id
  FROM rm_transfers WHERE to_vendor_id = $1
UNION ALL
SELECT 'X', event_id, ledger_sequence::text, occurred_at, target_study_uid, target_dataset_id, vendor_id
  FROM rm_deletions WHERE vendor_id = $1`;

/** A breach's columns with its counts, kept by the projection (rm_breach_counts). */
const BREACH_COLUMNS = `
SELECT b.breach_id, b.vendor_id, b.discovered_at, b.exposure_from, b.exposure_to,
       b.affected_study_uids, b.affected_dataset_ids, b.description, b.event_id,
       b.ledger_sequence::text AS ledger_sequence, c.breach_sequence::text AS counted_sequence,
       c.studies, c.patients, c.to_notify, c.deidentified
  FROM rm_breaches b LEFT JOIN rm_breach_counts c ON c.breach_id = b.breach_id`;

/**
 * A page of a breach's affected studies ($1) after $2 in code-point order ('': from the
 * first), at most $3, read from the projection's rm_breach_affected by its key, with each
 * study's accession number (its own, else its original's).
 */
export const BREACH_AFFECTED_PAGE = `
SELECT a.study_uid, a.received_at, a.patient, a.deidentified,
       COALESCE(s.accession_number, o.accession_number) AS accession_number
  FROM rm_breach_affected a
  LEFT JOIN rm_resolved_studies r ON r.study_uid = a.study_uid COLLATE "default"
  LEFT JOIN rm_studies s ON s.study_uid = a.study_uid COLLATE "default"
  LEFT JOIN rm_studies o ON o.study_uid = r.original_uid
 WHERE a.breach_id = $1 AND a.study_uid > $2::text COLLATE "C"
 ORDER BY a.study_uid
 LIMIT $3`;

export const BREACH_BY_ID = `${BREACH_COLUMNS}
 WHERE b.breach_id = $1`;

/** Breaches in breach id order after $2, of vendor $1 (null: all), $3 rows. */
export const BREACHES_PAGE = `${BREACH_COLUMNS}
 WHERE ($1::text IS NULL OR b.vendor_id = $1) AND ($2::text IS NULL OR b.breach_id > $2)
 ORDER BY b.breach_id LIMIT $3`;

export const BREACHES_COUNT = `
SELECT count(*)::int AS n FROM rm_breaches WHERE ($1::text IS NULL OR vendor_id = $1)`;

export const LEDGER_SIZE = `SELECT COALESCE(MAX(sequence) + 1, 0)::text AS size FROM ledger_entries`;
