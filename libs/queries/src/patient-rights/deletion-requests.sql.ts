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

/**
 * Of the requests $1, those whose id comes after $2 in the list order (compared as the
 * column, in its collation, as REQUESTS_PAGE and KEPT_TALLY order them).
 */
export const IDS_AFTER_IN_LIST_ORDER = `
SELECT r.request_id AS id FROM rm_deletion_requests r
 WHERE r.request_id = ANY ($1::text[]) AND r.request_id > $2::text`;

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

/**
 * The requests made at or after $2 whose patient's world holds one of the studies $1 now
 * (REQUESTS_TOUCHED's walk up, then a range of rm_deletion_requests_patient_time per
 * patient): those that receipts at $2 or later may obligate (a holding period starting at r
 * holds no request made before r). Kept families are not read: the batch that moved a
 * study's patient evaluated both patients' requests whole. Without any request made at or
 * after $2 nothing is walked: a patient's k earlier requests cost a later disclosure nothing
 * (session 33: every one was listed and read again, 864 ms at 1,000).
 */
export const REQUESTS_MADE_SINCE = `
WITH RECURSIVE up(uid) AS (
  SELECT unnest($1::text[]) WHERE EXISTS (SELECT 1 FROM rm_deletion_requests WHERE requested_at >= $2)
  UNION
  SELECT d.source_uid
    FROM up
   CROSS JOIN LATERAL (SELECT source_uid FROM rm_derivations WHERE derived_uid = up.uid OFFSET 0) d
)
SELECT DISTINCT r.request_id
  FROM up
 CROSS JOIN LATERAL (SELECT patient FROM rm_studies WHERE study_uid = up.uid OFFSET 0) s
 CROSS JOIN LATERAL (SELECT request_id FROM rm_deletion_requests
                      WHERE patient = s.patient AND requested_at >= $2 OFFSET 0) r`;

/** The kept rows of the requests $1, before they are evaluated again. */
export const FORGET_KEPT = `
WITH obligations AS (DELETE FROM rm_deletion_obligations WHERE request_id = ANY ($1::text[])),
     family AS (DELETE FROM rm_deletion_family WHERE request_id = ANY ($1::text[]))
DELETE FROM rm_deletion_kept WHERE request_id = ANY ($1::text[])`;

/**
 * The kept obligations of the vendors $2 under the requests $1, before they are evaluated
 * again, returned (what KEEP_EVENTUAL_OF_VENDORS moves the statuses from): found by one
 * probe of the key per request (OFFSET 0 keeps it a probe), deleted by their row ids, and
 * nothing scanned when there are none (a vendor's first receipt). Planned as one scan, the
 * two lists' estimates chose to read every obligation of the table (a patient's k requests
 * times its v vendors, session 33). A SELECT, so that a transaction's query gives the rows
 * (TypeORM gives a DELETE's as [rows, count]).
 */
export const FORGET_KEPT_OF_VENDORS = `
WITH kept AS MATERIALIZED (
  SELECT o.ctid AS row_id, o.request_id, o.vendor_id, o.fulfilled_at, o.exempt
    FROM unnest($1::text[]) AS q(request_id)
   CROSS JOIN LATERAL (SELECT ctid, request_id, vendor_id, fulfilled_at, exempt
                         FROM rm_deletion_obligations
                        WHERE request_id = q.request_id AND vendor_id = ANY ($2::text[])
                       OFFSET 0) o
),
forgotten AS (
  DELETE FROM rm_deletion_obligations
   WHERE EXISTS (SELECT 1 FROM kept) AND ctid = ANY (ARRAY(SELECT row_id FROM kept))
  RETURNING request_id, vendor_id, fulfilled_at, exempt
)
SELECT * FROM forgotten`;

/** Of the requests $1, those kept for their current ledger sequence, with their times. */
export const REQUESTS_KEPT = `
SELECT r.request_id, r.requested_at FROM rm_deletion_requests r
  JOIN rm_deletion_kept k ON k.request_id = r.request_id AND k.request_sequence = r.ledger_sequence
 WHERE r.request_id = ANY ($1::text[])`;

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

/** How many requests wait for their first evaluation (rm_deletion_unkept). */
export const REQUESTS_NEVER_KEPT = `SELECT count(*)::int AS n FROM rm_deletion_unkept`;

/** A kept obligation's status as of $1 (keptObligationStatus in SQL), `o` the obligation, `due` its request's due date. */
const STATUS_AS_OF = (due: string): string =>
  `CASE WHEN o.fulfilled_at <= $1 THEN 'FULFILLED' WHEN o.exempt THEN 'EXEMPT'
            WHEN $1 > ${due} THEN 'OVERDUE' ELSE 'OPEN' END`;

/**
 * A kept obligation's eventual status (`o` the obligation): its status as of any asOf after
 * its attestation and its request's due date, the only status it can still change to.
 */
const EVENTUAL_STATUS = `CASE WHEN o.fulfilled_at IS NOT NULL THEN 'FULFILLED' WHEN o.exempt THEN 'EXEMPT'
            ELSE 'OVERDUE' END`;

/**
 * rm_deletion_counts moved by `delta` (vendor, status, requests, obligations): a count above
 * zero is upserted, one at zero deleted.
 */
const MOVE_COUNTS = `
moved AS (
  SELECT d.vendor_id, d.status, COALESCE(c.requests, 0) + d.requests AS requests,
         COALESCE(c.obligations, 0) + d.obligations AS obligations
    FROM delta d LEFT JOIN rm_deletion_counts c ON c.vendor_id = d.vendor_id AND c.status = d.status
),
counted AS (
  INSERT INTO rm_deletion_counts (vendor_id, status, requests, obligations)
  SELECT vendor_id, status, requests, obligations FROM moved WHERE requests <> 0 OR obligations <> 0
  ON CONFLICT (vendor_id, status) DO UPDATE
     SET requests = EXCLUDED.requests, obligations = EXCLUDED.obligations
)
DELETE FROM rm_deletion_counts c USING moved m
 WHERE m.requests = 0 AND m.obligations = 0 AND c.vendor_id = m.vendor_id AND c.status = m.status`;

/** A row of rm_deletion_eventual (`f`) as (vendor, status, requests, obligations) counted. */
const COUNTED = (f: string): string =>
  `(VALUES (${f}.status, 1, 0), ('FULFILLED', 0, ${f}.fulfilled), ('EXEMPT', 0, ${f}.exempt),
          ('OVERDUE', 0, ${f}.overdue)) AS s(status, requests, obligations)`;

/**
 * The rows `fresh` (kept obligations summed) that replace the rows `old` of
 * rm_deletion_eventual: only the rows that changed are written (added, removed: set
 * differences, hashed whatever the estimates; a NOT EXISTS between the kept and the fresh
 * rows was planned as a nested loop, k^2 for a request held by k vendors: 3 s at 5,000,
 * session 32), and rm_deletion_counts moves by their difference. Both CTEs list the
 * table's columns in its order.
 */
/**
 * The rows of `fresh` that differ from `old` (both with rm_deletion_eventual's columns in
 * its order): `added` and `removed` as hashed set differences, and `added` written over the
 * kept rows. Shared by WRITE_EVENTUAL and KEEP_EVENTUAL_OF_VENDORS.
 */
const WRITE_EVENTUAL_DIFFERENCE = `
added AS MATERIALIZED (SELECT * FROM fresh EXCEPT ALL SELECT * FROM old),
removed AS MATERIALIZED (SELECT * FROM old EXCEPT ALL SELECT * FROM fresh),
written AS (
  INSERT INTO rm_deletion_eventual AS e
         (request_id, vendor_id, requested_at, due_by, attested_until, status, fulfilled, exempt, overdue)
  SELECT * FROM added
  ON CONFLICT (request_id, vendor_id) DO UPDATE
     SET requested_at = EXCLUDED.requested_at, due_by = EXCLUDED.due_by,
         attested_until = EXCLUDED.attested_until, status = EXCLUDED.status,
         fulfilled = EXCLUDED.fulfilled, exempt = EXCLUDED.exempt, overdue = EXCLUDED.overdue
),`;

const WRITE_EVENTUAL = `${WRITE_EVENTUAL_DIFFERENCE}
stale AS (
  DELETE FROM rm_deletion_eventual e
   USING (SELECT request_id, vendor_id FROM removed EXCEPT SELECT request_id, vendor_id FROM added) g
   WHERE e.request_id = g.request_id AND e.vendor_id = g.vendor_id
),
delta AS (
  SELECT d.vendor_id, d.status, sum(d.requests)::int AS requests, sum(d.obligations)::int AS obligations
    FROM (SELECT f.vendor_id, s.status, s.requests, s.obligations
            FROM added f CROSS JOIN LATERAL ${COUNTED('f')}
          UNION ALL
          SELECT g.vendor_id, s.status, -s.requests, -s.obligations
            FROM removed g CROSS JOIN LATERAL ${COUNTED('g')}) d
   GROUP BY d.vendor_id, d.status
  HAVING sum(d.requests) <> 0 OR sum(d.obligations) <> 0
),
${MOVE_COUNTS}`;

/**
 * The eventual statuses of the requests $1 (migration 1764104000000), rewritten from their
 * kept obligations after the keeper evaluated them: one row per request (vendor '') and one
 * per (request, obligated vendor), each with its status over those obligations, its
 * obligations by eventual status and their latest attestation (1764116500000: a vendor's
 * row its own, so that one vendor's attestation leaves the other vendors' rows as they
 * are); the requests leave rm_deletion_unkept. Written as WRITE_EVENTUAL writes.
 */
export const KEEP_EVENTUAL = `
WITH obligations AS (
  SELECT o.request_id, o.vendor_id, o.fulfilled_at, ${EVENTUAL_STATUS} AS status
    FROM rm_deletion_obligations o WHERE o.request_id = ANY ($1::text[])
),
fresh AS (
  SELECT r.request_id, CASE WHEN GROUPING(o.vendor_id) = 1 THEN '' ELSE o.vendor_id END AS vendor_id,
         r.requested_at, r.due_by, max(o.fulfilled_at) AS attested_until,
         CASE WHEN bool_or(o.status = 'OVERDUE') THEN 'OVERDUE' ELSE 'FULFILLED' END AS status,
         count(*) FILTER (WHERE o.status = 'FULFILLED')::int AS fulfilled,
         count(*) FILTER (WHERE o.status = 'EXEMPT')::int AS exempt,
         count(*) FILTER (WHERE o.status = 'OVERDUE')::int AS overdue
    FROM rm_deletion_requests r
    JOIN rm_deletion_kept k ON k.request_id = r.request_id AND k.request_sequence = r.ledger_sequence
    LEFT JOIN obligations o ON o.request_id = r.request_id
   WHERE r.request_id = ANY ($1::text[])
   GROUP BY GROUPING SETS ((r.request_id, r.requested_at, r.due_by),
                           (r.request_id, r.requested_at, r.due_by, o.vendor_id))
  HAVING GROUPING(o.vendor_id) = 1 OR o.vendor_id IS NOT NULL
),
old AS (
  SELECT request_id, vendor_id, requested_at, due_by, attested_until, status, fulfilled, exempt, overdue
    FROM rm_deletion_eventual WHERE request_id = ANY ($1::text[])
),
marked AS (DELETE FROM rm_deletion_unkept WHERE request_id = ANY ($1::text[])),
${WRITE_EVENTUAL}`;

/** A request's row (vendor '') moved by `c`'s differences, as an upsert's SET. */
const MOVE_REQUEST_ROW = (attestedUntil: string): string => `
  ON CONFLICT (request_id, vendor_id) DO UPDATE
     SET attested_until = ${attestedUntil},
         status = CASE WHEN e.overdue + EXCLUDED.overdue > 0 THEN 'OVERDUE' ELSE 'FULFILLED' END,
         fulfilled = e.fulfilled + EXCLUDED.fulfilled, exempt = e.exempt + EXCLUDED.exempt,
         overdue = e.overdue + EXCLUDED.overdue
  RETURNING e.request_id, e.status, e.overdue`;

/**
 * KEEP_EVENTUAL for the vendors $2 alone under the requests $1 (each kept for its current
 * ledger sequence, so with its row of vendor ''), after the keeper evaluated those vendors'
 * obligations: their old obligations ($3-$6, as FORGET_KEPT_OF_VENDORS returned them) and
 * fresh ones ($7-$10, as the keeper wrote them) summed per (request, vendor) in place of
 * reading their rows, the changed vendors' rows upserted or deleted, and each changed
 * request's row moved by their differences in one upsert (its latest attestation read again
 * only when a changed vendor had attested before: one probe of
 * rm_deletion_obligations_attested). Nothing of the other vendors is read: summing every
 * request's obligations made each disclosure to a patient with k requests and v vendors read
 * k x v rows (session 33: 616 ms at 1,000 requests and 45 vendors). The rows kept by
 * KEEP_EVENTUAL are these sums (1764116500000), so both keep the same rows.
 */
export const KEEP_EVENTUAL_OF_VENDORS = `
WITH requests AS MATERIALIZED (
  SELECT request_id, requested_at, due_by FROM rm_deletion_requests WHERE request_id = ANY ($1::text[])
),
obligations AS (
  SELECT false AS fresh, * FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::boolean[])
                                AS o(request_id, vendor_id, fulfilled_at, exempt)
  UNION ALL
  SELECT true, * FROM unnest($7::text[], $8::text[], $9::timestamptz[], $10::boolean[])
),
summed AS MATERIALIZED (
  SELECT o.fresh, o.request_id, o.vendor_id, r.requested_at, r.due_by,
         max(o.fulfilled_at) AS attested_until,
         CASE WHEN bool_or(s.status = 'OVERDUE') THEN 'OVERDUE' ELSE 'FULFILLED' END AS status,
         count(*) FILTER (WHERE s.status = 'FULFILLED')::int AS fulfilled,
         count(*) FILTER (WHERE s.status = 'EXEMPT')::int AS exempt,
         count(*) FILTER (WHERE s.status = 'OVERDUE')::int AS overdue
    FROM obligations o
    JOIN requests r ON r.request_id = o.request_id
   CROSS JOIN LATERAL (SELECT ${EVENTUAL_STATUS} AS status) s
   WHERE o.vendor_id = ANY ($2::text[])
   GROUP BY o.fresh, o.request_id, o.vendor_id, r.requested_at, r.due_by
),
fresh AS (
  SELECT request_id, vendor_id, requested_at, due_by, attested_until, status, fulfilled, exempt, overdue
    FROM summed WHERE fresh
),
old AS (
  SELECT request_id, vendor_id, requested_at, due_by, attested_until, status, fulfilled, exempt, overdue
    FROM summed WHERE NOT fresh
),
${WRITE_EVENTUAL_DIFFERENCE}
gone AS MATERIALIZED (
  SELECT request_id, vendor_id FROM removed EXCEPT SELECT request_id, vendor_id FROM added
),
stale AS (
  DELETE FROM rm_deletion_eventual
   WHERE EXISTS (SELECT 1 FROM gone)
     AND ctid = ANY (ARRAY(
         SELECT x.ctid FROM gone g
          CROSS JOIN LATERAL (SELECT ctid FROM rm_deletion_eventual
                               WHERE request_id = g.request_id AND vendor_id = g.vendor_id OFFSET 0) x))
),
changed AS MATERIALIZED (
  SELECT c.request_id, r.requested_at, r.due_by,
         max(c.attested_until) FILTER (WHERE c.fresh) AS attested_until,
         bool_or(NOT c.fresh AND c.attested_until IS NOT NULL) AS recheck,
         sum(c.sign * c.fulfilled)::int AS fulfilled, sum(c.sign * c.exempt)::int AS exempt,
         sum(c.sign * c.overdue)::int AS overdue
    FROM (SELECT true AS fresh, 1 AS sign, * FROM added
          UNION ALL
          SELECT false, -1, * FROM removed) c
    JOIN requests r ON r.request_id = c.request_id
   GROUP BY c.request_id, r.requested_at, r.due_by
),
rechecked AS (
  INSERT INTO rm_deletion_eventual AS e
         (request_id, vendor_id, requested_at, due_by, attested_until, status, fulfilled, exempt, overdue)
  SELECT c.request_id, '', c.requested_at, c.due_by,
         (SELECT max(o.fulfilled_at) FROM rm_deletion_obligations o
           WHERE o.request_id = c.request_id AND o.fulfilled_at IS NOT NULL),
         'FULFILLED', c.fulfilled, c.exempt, c.overdue
    FROM changed c WHERE c.recheck
  ${MOVE_REQUEST_ROW('EXCLUDED.attested_until')}
),
raised AS (
  INSERT INTO rm_deletion_eventual AS e
         (request_id, vendor_id, requested_at, due_by, attested_until, status, fulfilled, exempt, overdue)
  SELECT c.request_id, '', c.requested_at, c.due_by, c.attested_until, 'FULFILLED', c.fulfilled,
         c.exempt, c.overdue
    FROM changed c WHERE NOT c.recheck
  ${MOVE_REQUEST_ROW('greatest(e.attested_until, EXCLUDED.attested_until)')}
),
delta AS (
  SELECT d.vendor_id, d.status, sum(d.requests)::int AS requests, sum(d.obligations)::int AS obligations
    FROM (SELECT f.vendor_id, s.status, s.requests, s.obligations
            FROM added f CROSS JOIN LATERAL ${COUNTED('f')}
          UNION ALL
          SELECT g.vendor_id, s.status, -s.requests, -s.obligations
            FROM removed g CROSS JOIN LATERAL ${COUNTED('g')}
          UNION ALL
          SELECT '', s.status, s.requests, s.obligations
            FROM (SELECT * FROM rechecked UNION ALL SELECT * FROM raised) n
            JOIN changed c ON c.request_id = n.request_id
           CROSS JOIN LATERAL (VALUES (n.status, 1, 0),
                                      (CASE WHEN n.overdue - c.overdue > 0 THEN 'OVERDUE' ELSE 'FULFILLED' END, -1, 0),
                                      ('FULFILLED', 0, c.fulfilled), ('EXEMPT', 0, c.exempt),
                                      ('OVERDUE', 0, c.overdue)) AS s(status, requests, obligations)) d
   GROUP BY d.vendor_id, d.status
  HAVING sum(d.requests) <> 0 OR sum(d.obligations) <> 0
),
${MOVE_COUNTS}`;

/** Epoch milliseconds of a timestamptz expression, as a Date keeps it. */
const MS = (t: string): string => `floor(extract(epoch FROM ${t}) * 1000)::float8`;

/**
 * Whether the kept answers hold as of $1: `unkept` when a request waits for its first
 * evaluation (rm_deletion_unkept), `unsettled` when a request made by $1 has a world that
 * moved after $1 (settled_at); and the instants around $1 that bound the asOf values with
 * the same kept answer: request times, settlements, attestations (of any request: a
 * narrower window, never a wrong one) and due dates, in whole epoch milliseconds. Every
 * part is an index probe, whatever the number of requests.
 */
export const KEPT_AS_OF = `
SELECT EXISTS (SELECT 1 FROM rm_deletion_unkept) AS unkept,
       EXISTS (SELECT 1 FROM rm_deletion_kept k JOIN rm_deletion_requests r ON r.request_id = k.request_id
                WHERE k.settled_at > $1 AND r.requested_at <= $1) AS unsettled,
       ${MS('(SELECT max(requested_at) FROM rm_deletion_requests WHERE requested_at <= $1)')} AS made_before,
       ${MS('(SELECT min(requested_at) FROM rm_deletion_requests WHERE requested_at > $1)')} AS made_after,
       ${MS('(SELECT max(settled_at) FROM rm_deletion_kept WHERE settled_at <= $1)')} AS settled_before,
       ${MS('(SELECT min(settled_at) FROM rm_deletion_kept WHERE settled_at > $1)')} AS settled_after,
       ${MS('(SELECT max(fulfilled_at) FROM rm_deletion_obligations WHERE fulfilled_at <= $1)')} AS fulfilled_before,
       ${MS('(SELECT min(fulfilled_at) FROM rm_deletion_obligations WHERE fulfilled_at > $1)')} AS fulfilled_after,
       ${MS(`(SELECT max(due_by) FROM rm_deletion_eventual WHERE vendor_id = '' AND due_by < $1)`)} AS due_before,
       ${MS(`(SELECT min(due_by) FROM rm_deletion_eventual WHERE vendor_id = '' AND due_by >= $1)`)} AS due_after`;

/**
 * The rows of vendor $2 ('': whole requests) whose status as of $1 may differ from their
 * eventual one: made after $1, due at or after it, or attested after it (the request's
 * latest attestation); each with its status as of $1 over its obligations (requestStatus
 * in SQL). Every other row made by $1 has its eventual status as of $1.
 */
const MOVING = `
moving AS MATERIALIZED (
  SELECT e.request_id, e.requested_at, e.due_by, e.requested_at <= $1 AS made, e.status AS eventual,
         s.status
    FROM rm_deletion_eventual e
   CROSS JOIN LATERAL (
         SELECT CASE WHEN bool_or(n.status = 'OVERDUE') THEN 'OVERDUE'
                     WHEN bool_or(n.status = 'OPEN') THEN 'OPEN' ELSE 'FULFILLED' END AS status
           FROM rm_deletion_obligations o
          CROSS JOIN LATERAL (SELECT ${STATUS_AS_OF('e.due_by')} AS status) n
          WHERE o.request_id = e.request_id AND ($2 = '' OR o.vendor_id = $2)) s
   WHERE e.vendor_id = $2 AND (e.requested_at > $1 OR e.due_by >= $1 OR e.attested_until > $1)
)`;

/**
 * A page of the requests made by $1 whose status as of $1 over vendor $2's obligations
 * ('': all of them) is $3, in list order after ($4, $5), $6 rows (a keyset range of
 * rm_deletion_eventual_list for the rows with their eventual status, and the moving rows),
 * and `total`, how many there are in all: the kept count of that eventual status, moved by
 * the moving rows. At least one row (request_id null: an empty page).
 */
export const STATUS_PAGE = `
WITH ${MOVING},
page AS (
  (SELECT e.request_id, e.requested_at FROM rm_deletion_eventual e
    WHERE e.vendor_id = $2 AND e.status = $3
      AND (e.requested_at, e.request_id) > ($4::timestamptz, $5::text)
      AND e.requested_at <= $1 AND e.due_by < $1
      AND (e.attested_until IS NULL OR e.attested_until <= $1)
    ORDER BY e.requested_at, e.request_id
    LIMIT $6)
  UNION ALL
  SELECT m.request_id, m.requested_at FROM moving m
   WHERE m.made AND m.status = $3 AND (m.requested_at, m.request_id) > ($4::timestamptz, $5::text)
),
total AS (
  SELECT COALESCE((SELECT requests FROM rm_deletion_counts WHERE vendor_id = $2 AND status = $3), 0)
       - (SELECT count(*) FROM moving WHERE eventual = $3)
       + (SELECT count(*) FROM moving WHERE made AND status = $3) AS n
)
SELECT p.request_id, t.n::int AS total
  FROM total t LEFT JOIN LATERAL (SELECT * FROM page ORDER BY requested_at, request_id LIMIT $6) p ON true
 ORDER BY p.requested_at, p.request_id`;

/**
 * STATUS_PAGE by due date (`orderBy: DUE_DATE`): the requests made by $1 whose status as of
 * $1 over vendor $2's obligations ('': all of them) is one of $3 (OPEN, OVERDUE), by due
 * date, ties by request id in code-point order (COLLATE "C", whatever the database's), after
 * ($4, $5), $6 rows, and their `total`. The rows with their eventual status OVERDUE are a
 * keyset range of rm_deletion_eventual_due_open (migration 1764120000000); the moving rows
 * are those STATUS_PAGE reads. At least one row (request_id null: an empty page).
 */
export const DUE_PAGE = `
WITH ${MOVING},
page AS (
  (SELECT e.request_id, e.due_by FROM rm_deletion_eventual e
    WHERE e.vendor_id = $2 AND e.status = 'OVERDUE' AND 'OVERDUE' = ANY ($3::text[])
      AND (e.due_by, e.request_id COLLATE "C") > ($4::timestamptz, $5::text COLLATE "C")
      AND e.requested_at <= $1 AND e.due_by < $1
      AND (e.attested_until IS NULL OR e.attested_until <= $1)
    ORDER BY e.due_by, e.request_id COLLATE "C"
    LIMIT $6)
  UNION ALL
  SELECT m.request_id, m.due_by FROM moving m
   WHERE m.made AND m.status = ANY ($3::text[])
     AND (m.due_by, m.request_id COLLATE "C") > ($4::timestamptz, $5::text COLLATE "C")
),
total AS (
  SELECT COALESCE((SELECT sum(requests) FROM rm_deletion_counts
                    WHERE vendor_id = $2 AND status = ANY ($3::text[])), 0)
       - (SELECT count(*) FROM moving WHERE eventual = ANY ($3::text[]))
       + (SELECT count(*) FROM moving WHERE made AND status = ANY ($3::text[])) AS n
)
SELECT p.request_id, t.n::int AS total
  FROM total t
  LEFT JOIN LATERAL (SELECT * FROM page ORDER BY due_by, request_id COLLATE "C" LIMIT $6) p ON true
 ORDER BY p.due_by, p.request_id COLLATE "C"`;

/**
 * A page of the requests made by $1 with an obligation of vendor $2, whatever their status,
 * in list order after ($3, $4), $5 rows, and `total`: the vendor's kept requests less those
 * made after $1. At least one row (request_id null: an empty page).
 */
export const VENDOR_PAGE = `
WITH page AS (
  SELECT e.request_id, e.requested_at FROM rm_deletion_eventual e
   WHERE e.vendor_id = $2 AND e.requested_at <= $1
     AND (e.requested_at, e.request_id) > ($3::timestamptz, $4::text)
   ORDER BY e.requested_at, e.request_id
   LIMIT $5
),
total AS (
  SELECT COALESCE((SELECT sum(requests) FROM rm_deletion_counts WHERE vendor_id = $2), 0)
       - (SELECT count(*) FROM rm_deletion_eventual WHERE vendor_id = $2 AND requested_at > $1) AS n
)
SELECT p.request_id, t.n::int AS total
  FROM total t LEFT JOIN page p ON true
 ORDER BY p.requested_at, p.request_id`;

/**
 * Obligations per vendor and status as of $1 over every request made by then: the kept
 * counts of eventual statuses, moved by the obligations of the requests whose statuses as
 * of $1 may differ (made after $1, due at or after it, attested after it).
 */
export const VENDOR_COUNTS_AS_OF = `
WITH moving AS MATERIALIZED (
  SELECT e.request_id, e.requested_at <= $1 AS made, e.due_by
    FROM rm_deletion_eventual e
   WHERE e.vendor_id = '' AND (e.requested_at > $1 OR e.due_by >= $1 OR e.attested_until > $1)
),
moved AS (
  SELECT o.vendor_id, m.made, ${EVENTUAL_STATUS} AS eventual, ${STATUS_AS_OF('m.due_by')} AS status
    FROM moving m JOIN rm_deletion_obligations o ON o.request_id = m.request_id
)
SELECT vendor_id, status, sum(n)::int AS obligations
  FROM (SELECT vendor_id, status, obligations AS n FROM rm_deletion_counts WHERE vendor_id <> ''
        UNION ALL
        SELECT vendor_id, eventual, -1 FROM moved
        UNION ALL
        SELECT vendor_id, status, 1 FROM moved WHERE made) c
 GROUP BY vendor_id, status`;
