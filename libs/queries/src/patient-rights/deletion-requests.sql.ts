// The reviewed SQL behind the deletion-request lists (CONTRACT v1.1 section 3.1). Parameters
// are always bound. A list reads only the requests it shows; the facts that decide them are
// read per page (patient-rights-facts.loader.ts).

const REQUEST_COLUMNS = `request_id, patient, patient_system, requested_at, due_by, scope_study_uids,
       legal_ground, event_id, ledger_sequence::text AS ledger_sequence`;

/**
 * Requests made by $1, in list order, after the cursor ($2, $3) ('-infinity', '': from the
 * first), $4 rows: a keyset range of rm_deletion_requests_time that stops after its rows.
 */
export const REQUESTS_PAGE = `
SELECT ${REQUEST_COLUMNS}
  FROM rm_deletion_requests
 WHERE requested_at <= $1 AND (requested_at, request_id) > ($2::timestamptz, $3::text)
 ORDER BY requested_at, request_id
 LIMIT $4`;

/**
 * How many requests were made by $1, and the request times on either side of it (which
 * bound the asOf values that list the same requests). Index-only on rm_deletion_requests_time.
 */
export const REQUESTS_MADE_BY = `
SELECT count(*)::int AS made,
       (SELECT max(requested_at) FROM rm_deletion_requests WHERE requested_at <= $1) AS last_made,
       (SELECT min(requested_at) FROM rm_deletion_requests WHERE requested_at > $1) AS next_made
  FROM rm_deletion_requests WHERE requested_at <= $1`;

/** The given requests (any order). */
export const REQUESTS_BY_IDS = `
SELECT ${REQUEST_COLUMNS}
  FROM rm_deletion_requests
 WHERE request_id = ANY ($1::text[])`;
