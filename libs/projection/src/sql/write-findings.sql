-- Writes a findings refresh's difference in one statement: removes the stale findings
-- ($1 sequences, $2 studies, $3 codes, column by column), writes the new and changed ones
-- ($4, a jsonb array of rows; of a stored one only its detail changes: its row's, or its
-- (event, code)'s in rm_finding_details for the codes in $5, given on one of the event's
-- rows of that code and null on the others), and moves
-- rm_findings_counts per (code, vendor) and rm_findings_months per (month of occurredAt
-- in UTC, code, vendor) by the findings removed and added, a count leaving with its last
-- finding. Stale and written keys never meet. A finding of a code in $5 (AGREEMENT_CODES:
-- every study of the event shares its detail) is a row without detail and its (event,
-- code)'s detail in rm_finding_details, written or changed here; a detail whose last row
-- this removes is removed by finding-details-orphans.sql, which sees this statement's rows.
WITH gone AS (
  DELETE FROM rm_finding_rows
   WHERE (ledger_sequence, study_uid, code) IN
         (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]))
  RETURNING code, vendor_id, occurred_at
),
incoming AS (
  SELECT *
    FROM jsonb_to_recordset($4::jsonb) AS r(ledger_sequence bigint, study_uid text, code text,
         vendor_id text, event_id text, occurred_at timestamptz, detail text)
),
added AS (
  SELECT i.code, i.vendor_id, i.occurred_at
    FROM incoming i
   WHERE NOT EXISTS (SELECT 1 FROM rm_finding_rows f
                      WHERE f.ledger_sequence = i.ledger_sequence AND f.study_uid = i.study_uid
                        AND f.code = i.code)
),
written AS (
  INSERT INTO rm_finding_rows (ledger_sequence, study_uid, code, vendor_id, event_id, occurred_at, detail)
  SELECT ledger_sequence, study_uid, code, vendor_id, event_id, occurred_at,
         CASE WHEN code = ANY($5::text[]) THEN NULL ELSE detail END
    FROM incoming
  ON CONFLICT (ledger_sequence, study_uid, code) DO UPDATE SET detail = EXCLUDED.detail
   WHERE rm_finding_rows.detail IS DISTINCT FROM EXCLUDED.detail
),
detailed AS (
  INSERT INTO rm_finding_details (ledger_sequence, code, detail)
  SELECT DISTINCT ON (ledger_sequence, code) ledger_sequence, code, detail
    FROM incoming WHERE code = ANY($5::text[]) AND detail IS NOT NULL
   ORDER BY ledger_sequence, code
  ON CONFLICT (ledger_sequence, code) DO UPDATE SET detail = EXCLUDED.detail
   WHERE rm_finding_details.detail <> EXCLUDED.detail
),
moves AS (
  SELECT code, vendor_id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, -1 AS d
    FROM gone
  UNION ALL
  SELECT code, vendor_id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM'), 1 FROM added
),
delta AS (
  SELECT code, vendor_id, sum(d)::int AS d FROM moves GROUP BY code, vendor_id HAVING sum(d) <> 0
),
moved AS (
  SELECT d.code, d.vendor_id, coalesce(c.n, 0) + d.d AS after
    FROM delta d
    LEFT JOIN rm_findings_counts c ON c.code = d.code AND c.vendor_id = d.vendor_id
),
counted AS (
  INSERT INTO rm_findings_counts (code, vendor_id, n)
  SELECT code, vendor_id, after FROM moved WHERE after > 0
  ON CONFLICT (code, vendor_id) DO UPDATE SET n = EXCLUDED.n
),
uncounted AS (
  DELETE FROM rm_findings_counts c USING moved m
   WHERE m.after = 0 AND c.code = m.code AND c.vendor_id = m.vendor_id
),
month_delta AS (
  SELECT month, code, vendor_id, sum(d)::int AS d
    FROM moves GROUP BY month, code, vendor_id HAVING sum(d) <> 0
),
month_moved AS (
  SELECT d.month, d.code, d.vendor_id, coalesce(c.n, 0) + d.d AS after
    FROM month_delta d
    LEFT JOIN rm_findings_months c
      ON c.month = d.month AND c.code = d.code AND c.vendor_id = d.vendor_id
),
month_counted AS (
  INSERT INTO rm_findings_months (month, code, vendor_id, n)
  SELECT month, code, vendor_id, after FROM month_moved WHERE after > 0
  ON CONFLICT (month, code, vendor_id) DO UPDATE SET n = EXCLUDED.n
)
DELETE FROM rm_findings_months c USING month_moved m
 WHERE m.after = 0 AND c.month = m.month AND c.code = m.code AND c.vendor_id = m.vendor_id
