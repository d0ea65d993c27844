// The reviewed SQL behind deletion requests and breach impact. Parameters are always bound.

/** Every deletion request, oldest first (the list order). */
export const ALL_REQUESTS = `
SELECT request_id, patient, patient_system, requested_at, due_by, scope_study_uids,
       legal_ground, event_id, ledger_sequence::text AS ledger_sequence
  FROM rm_deletion_requests
 ORDER BY requested_at, request_id`;

export const REQUEST_BY_ID = `
SELECT request_id, patient, patient_system, requested_at, due_by, scope_study_uids,
       legal_ground, event_id, ledger_sequence::text AS ledger_sequence
  FROM rm_deletion_requests
 WHERE request_id = $1`;

/** Every study of the given patients (pseudonyms) and every derivative of them, at any depth. */
export const PATIENT_FAMILIES = `
WITH RECURSIVE family(uid) AS (
  SELECT study_uid FROM rm_studies WHERE patient = ANY($1::text[])
  UNION
  SELECT d.derived_uid FROM rm_derivations d JOIN family f ON d.source_uid = f.uid
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

/**
 * The studies vendor $1 held in a non-empty holding period overlapping [$2 (null: no lower
 * bound), $3], each with the latest such start (CONTRACT v1.1 section 3.1), from
 * rm_vendor_holdings. A receipt's period ends at the earliest attestation at or after it
 * (in descending time, with X before R at the same instant, the running minimum of the X
 * times); it is empty when that is the receipt's own instant. $4: limited to
 * affectedTargets, the studies $5 and the members of the datasets $6 at $3. With `page`,
 * only studies after $7 in code-point order ('' : from the first), at most $8 of them: the
 * rows come in that order from rm_vendor_holdings_pages, so a page stops after its rows.
 * The page's joins compare `study_uid COLLATE "default"`, the primary keys' collation,
 * or no index serves them.
 */
function breachHeld(page: boolean): string {
  // The window reads each study's rows as rm_vendor_holdings_pages hands them over (code
  // points, newest first: no sort). A page groups in that order and stops at its LIMIT;
  // the counts group by the column itself, whose statistics give the planner the number
  // of studies (a hash join, not 166,000 index probes).
  return `
WITH events AS (
  SELECT study_uid, kind, at,
         min(at) FILTER (WHERE kind = 'X')
           OVER (PARTITION BY study_uid COLLATE "C" ORDER BY at DESC, kind DESC
                 ROWS UNBOUNDED PRECEDING) AS ends
    FROM rm_vendor_holdings
   WHERE vendor_id = $1${page ? ' AND study_uid COLLATE "C" > $7::text' : ''}
     AND (NOT $4::boolean OR study_uid = ANY ($5::text[])
          OR study_uid IN (SELECT m.study_uid FROM rm_dataset_members m
                            WHERE m.dataset_id = ANY ($6::text[]) AND m.added_at <= $3))
), held AS (
  SELECT ${page ? 'study_uid COLLATE "C" AS study_uid' : 'study_uid'}, max(at) AS received_at
    FROM events
   WHERE kind = 'R' AND at <= $3 AND (ends IS NULL OR ends > at)
     AND ($2::timestamptz IS NULL OR ends IS NULL OR ends > $2)
   GROUP BY 1${page ? '\n   ORDER BY 1 LIMIT $8' : ''}
)`;
}

/**
 * Breach impact's counts: affected studies, distinct patients of them and of those that
 * need a notice (not properly de-identified: rm_resolved_studies), and the de-identified
 * copies, per patient first (a hash aggregate instead of sorting for each DISTINCT). A
 * study nobody registered or derived has no patient and is not de-identified.
 */
export const BREACH_COUNTS = `${breachHeld(false)}
SELECT COALESCE(sum(studies), 0)::int AS studies,
       count(patient)::int AS patients,
       count(patient) FILTER (WHERE notify)::int AS to_notify,
       COALESCE(sum(deidentified), 0)::int AS deidentified
  FROM (SELECT r.patient, count(*) AS studies,
               bool_or(NOT COALESCE(r.deidentified, false)) AS notify,
               count(*) FILTER (WHERE r.deidentified) AS deidentified
          FROM held h LEFT JOIN rm_resolved_studies r ON r.study_uid = h.study_uid
         GROUP BY r.patient) per_patient`;

/**
 * A page of a breach's affected studies ($7, $8 as breachHeld), with each study's resolved
 * patient, de-identification and accession number (its own, else its original's).
 */
export const BREACH_AFFECTED_PAGE = `${breachHeld(true)}
SELECT h.study_uid, h.received_at, r.patient, COALESCE(r.deidentified, false) AS deidentified,
       COALESCE(s.accession_number, o.accession_number) AS accession_number
  FROM held h
  LEFT JOIN rm_resolved_studies r ON r.study_uid = h.study_uid COLLATE "default"
  LEFT JOIN rm_studies s ON s.study_uid = h.study_uid COLLATE "default"
  LEFT JOIN rm_studies o ON o.study_uid = r.original_uid
 ORDER BY h.study_uid`;

export const BREACH_BY_ID = `
SELECT breach_id, vendor_id, discovered_at, exposure_from, exposure_to, affected_study_uids,
       affected_dataset_ids, description, event_id, ledger_sequence::text AS ledger_sequence
  FROM rm_breaches WHERE breach_id = $1`;

/** Breaches in breach id order after $2, of vendor $1 (null: all), $3 rows. */
export const BREACHES_PAGE = `
SELECT breach_id, vendor_id, discovered_at, exposure_from, exposure_to, affected_study_uids,
       affected_dataset_ids, description, event_id, ledger_sequence::text AS ledger_sequence
  FROM rm_breaches
 WHERE ($1::text IS NULL OR vendor_id = $1) AND ($2::text IS NULL OR breach_id > $2)
 ORDER BY breach_id LIMIT $3`;

export const BREACHES_COUNT = `
SELECT count(*)::int AS n FROM rm_breaches WHERE ($1::text IS NULL OR vendor_id = $1)`;

export const LEDGER_SIZE = `SELECT COALESCE(MAX(sequence) + 1, 0)::text AS size FROM ledger_entries`;
