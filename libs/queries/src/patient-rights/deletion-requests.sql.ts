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

/** Request ids after $1 (code-point order), $2 of them: every request, chunk by chunk. */
export const REQUEST_IDS_AFTER = `
SELECT request_id FROM rm_deletion_requests
 WHERE request_id COLLATE "C" > $1
 ORDER BY request_id COLLATE "C"
 LIMIT $2`;

/**
 * The requests whose patient's world holds one of the studies $1 now (the study, or an
 * ancestor of it, registered to the patient: PATIENT_FAMILIES read upwards), those whose
 * kept world held one (rm_deletion_family), and the requests $2. Every step probes an
 * index per study (OFFSET 0, as PATIENT_FAMILIES): planned as joins, a batch's 3,000 studies
 * hashed every registered study (a parallel scan of rm_studies, 152 ms at 1M). Without any
 * request nothing is walked (a one-time filter: every batch of a ledger without requests).
 */
export const REQUESTS_TOUCHED = `
WITH RECURSIVE up(uid) AS (
  SELECT unnest($1::text[]) WHERE EXISTS (SELECT 1 FROM rm_deletion_requests)
  UNION
  SELECT d.source_uid
    FROM up
   CROSS JOIN LATERAL (SELECT source_uid FROM rm_derivations WHERE derived_uid = up.uid OFFSET 0) d
)
SELECT r.request_id
  FROM up
 CROSS JOIN LATERAL (SELECT patient FROM rm_studies WHERE study_uid = up.uid OFFSET 0) s
 CROSS JOIN LATERAL (SELECT request_id FROM rm_deletion_requests WHERE patient = s.patient OFFSET 0) r
UNION
SELECT f.request_id FROM rm_deletion_family f WHERE f.study_uid = ANY ($1::text[])
UNION
SELECT unnest($2::text[])`;

/** The kept rows of the requests $1, before they are evaluated again. */
export const FORGET_KEPT = `
WITH obligations AS (DELETE FROM rm_deletion_obligations WHERE request_id = ANY ($1::text[])),
     family AS (DELETE FROM rm_deletion_family WHERE request_id = ANY ($1::text[]))
DELETE FROM rm_deletion_kept WHERE request_id = ANY ($1::text[])`;

export const INSERT_KEPT = `
INSERT INTO rm_deletion_kept (request_id, request_sequence, settled_at)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[])`;

export const INSERT_KEPT_FAMILY = `
INSERT INTO rm_deletion_family (request_id, study_uid)
SELECT * FROM unnest($1::text[], $2::text[])
ON CONFLICT DO NOTHING`;

export const INSERT_KEPT_OBLIGATIONS = `
INSERT INTO rm_deletion_obligations
       (request_id, vendor_id, study_uid, received_at, fulfilled_at, attestation_event_id, exempt)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                     $6::text[], $7::boolean[])`;

/**
 * Every request made by $1 in list order, one row per kept obligation (one row with a null
 * vendor for a request without any), with `kept` when its kept evaluation holds for $1 (kept
 * for the request's current ledger sequence, its world settled by $1): the obligation's
 * vendor, its earliest attestation and exemption, compared with $1 by the reader
 * (keptObligationStatus). Times in whole epoch milliseconds, as a Date keeps them (floats
 * parse faster than dates).
 */
export const KEPT_TALLY = `
SELECT r.request_id, floor(extract(epoch FROM r.requested_at) * 1000)::float8 AS requested_ms,
       floor(extract(epoch FROM r.due_by) * 1000)::float8 AS due_ms,
       floor(extract(epoch FROM k.settled_at) * 1000)::float8 AS settled_ms,
       COALESCE(k.request_sequence = r.ledger_sequence AND k.settled_at <= $1, false) AS kept,
       o.vendor_id, floor(extract(epoch FROM o.fulfilled_at) * 1000)::float8 AS fulfilled_ms, o.exempt
  FROM rm_deletion_requests r
  LEFT JOIN rm_deletion_kept k ON k.request_id = r.request_id
  LEFT JOIN rm_deletion_obligations o
         ON o.request_id = k.request_id AND k.request_sequence = r.ledger_sequence
        AND k.settled_at <= $1
 WHERE r.requested_at <= $1
 ORDER BY r.requested_at, r.request_id`;

/** The kept obligations of the requests $1, each request's in (vendor, study) code-point order. */
export const KEPT_OBLIGATIONS = `
SELECT request_id, vendor_id, study_uid, received_at, fulfilled_at, attestation_event_id, exempt
  FROM rm_deletion_obligations
 WHERE request_id = ANY ($1::text[])
 ORDER BY request_id, vendor_id COLLATE "C", study_uid`;

/** A kept obligation's status as of $1 (keptObligationStatus in SQL), `o` the obligation, `r` its request. */
const KEPT_STATUS = `CASE WHEN o.fulfilled_at <= $1 THEN 'FULFILLED' WHEN o.exempt THEN 'EXEMPT'
            WHEN $1 > r.due_by THEN 'OVERDUE' ELSE 'OPEN' END`;

/**
 * Whether every request made by $1 is kept for it (`unkept`: how many are not: kept for
 * another ledger sequence, or their world not settled by $1), and the instants around $1
 * that bound the asOf values with the same kept answer: settlements, attestations (of any
 * request: a narrower window, never a wrong one) and due dates, in whole epoch milliseconds.
 */
export const KEPT_STATE = `
SELECT count(*) FILTER (WHERE NOT COALESCE(k.request_sequence = r.ledger_sequence
                                           AND k.settled_at <= $1, false))::int AS unkept,
       floor(extract(epoch FROM max(k.settled_at) FILTER (WHERE k.settled_at <= $1)) * 1000)::float8 AS settled_before,
       floor(extract(epoch FROM min(k.settled_at) FILTER (WHERE k.settled_at > $1)) * 1000)::float8 AS settled_after,
       floor(extract(epoch FROM max(r.due_by) FILTER (WHERE r.due_by < $1)) * 1000)::float8 AS due_before,
       floor(extract(epoch FROM min(r.due_by) FILTER (WHERE r.due_by >= $1)) * 1000)::float8 AS due_after,
       (SELECT floor(extract(epoch FROM max(fulfilled_at)) * 1000)::float8
          FROM rm_deletion_obligations WHERE fulfilled_at <= $1) AS fulfilled_before,
       (SELECT floor(extract(epoch FROM min(fulfilled_at)) * 1000)::float8
          FROM rm_deletion_obligations WHERE fulfilled_at > $1) AS fulfilled_after
  FROM rm_deletion_requests r LEFT JOIN rm_deletion_kept k ON k.request_id = r.request_id
 WHERE r.requested_at <= $1`;

/**
 * Obligations per vendor and status as of $1 over every request made by then, counted by
 * PostgreSQL from the kept rows: only when KEPT_STATE finds every such request kept.
 */
export const KEPT_VENDOR_COUNTS = `
SELECT vendor_id,
       count(*) FILTER (WHERE status = 'OPEN')::int AS open,
       count(*) FILTER (WHERE status = 'OVERDUE')::int AS overdue,
       count(*) FILTER (WHERE status = 'FULFILLED')::int AS fulfilled,
       count(*) FILTER (WHERE status = 'EXEMPT')::int AS exempt
  FROM (SELECT o.vendor_id, ${KEPT_STATUS} AS status
          FROM rm_deletion_requests r JOIN rm_deletion_obligations o ON o.request_id = r.request_id
         WHERE r.requested_at <= $1) s
 GROUP BY vendor_id`;
