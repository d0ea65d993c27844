import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The affected studies of breaches (CONTRACT v1.1 section 3.1) as rows (breach_id,
 * study_uid, received_at, patient, deidentified), from the holdings `from` joins (`b` a
 * row of rm_breaches, `h` of rm_vendor_holdings of b's vendor) under `where`: a study is
 * affected when the vendor had a non-empty holding period of it overlapping [exposure_from
 * (null: no lower bound), exposure_to], limited to affectedTargets when given (the studies
 * named, and the members at exposure_to of the datasets named). A receipt's period ends
 * at the earliest attestation at or after it (in descending time, with X before R at the
 * same instant, the running minimum of the X times); it is empty when that is the
 * receipt's own instant. `received_at`: the latest such start. Patient and "properly
 * de-identified" come from rm_resolved_studies (a study nobody registered or derived has
 * neither).
 */
function affectedStudies(from: string, where: string): string {
  // Grouped by the study in code-point order (the window's order, and rm_breach_affected's
  // key: its rows go in as they come), then joined to the study's resolution once each.
  return `
SELECT a.breach_id, a.study_uid, a.received_at, r.patient,
       COALESCE(r.deidentified, false) AS deidentified
  FROM (
    SELECT e.breach_id, e.study_uid COLLATE "C" AS study_uid, max(e.at) AS received_at
      FROM (
        SELECT b.breach_id, b.exposure_from, b.exposure_to, h.study_uid, h.kind, h.at,
               min(h.at) FILTER (WHERE h.kind = 'X')
                 OVER (PARTITION BY b.breach_id, h.study_uid COLLATE "C" ORDER BY h.at DESC, h.kind DESC
                       ROWS UNBOUNDED PRECEDING) AS ends
          FROM ${from}
         WHERE (${where})
           AND ((b.affected_study_uids IS NULL AND b.affected_dataset_ids IS NULL)
                OR h.study_uid = ANY (b.affected_study_uids)
                OR EXISTS (SELECT 1 FROM rm_dataset_members m
                            WHERE m.study_uid = h.study_uid AND m.dataset_id = ANY (b.affected_dataset_ids)
                              AND m.added_at <= b.exposure_to))
      ) e
     WHERE e.kind = 'R' AND e.at <= e.exposure_to AND (e.ends IS NULL OR e.ends > e.at)
       AND (e.exposure_from IS NULL OR e.ends IS NULL OR e.ends > e.exposure_from)
     GROUP BY e.breach_id, e.study_uid COLLATE "C"
  ) a
  LEFT JOIN rm_resolved_studies r ON r.study_uid = a.study_uid COLLATE "default"`;
}

/**
 * A whole breach's impact, in two statements with $1 the breach ids: its rows of
 * rm_breach_affected removed; then computed again from every holding of its vendor (in
 * key order) and its counts written from the rows inserted (patients counted per patient
 * first: a hash aggregate, no sort per DISTINCT, no second read of the table).
 */
const WHOLE_BREACH_STATEMENTS: readonly string[] = [
  'DELETE FROM rm_breach_affected WHERE breach_id = ANY ($1::text[])',
  `WITH affected AS (
     INSERT INTO rm_breach_affected (breach_id, study_uid, received_at, patient, deidentified)
     ${affectedStudies(
       'rm_breaches b JOIN rm_vendor_holdings h ON h.vendor_id = b.vendor_id',
       'b.breach_id = ANY ($1::text[])',
     )}
     ORDER BY 1, 2
     RETURNING breach_id, patient, deidentified
   )
   INSERT INTO rm_breach_counts (breach_id, breach_sequence, studies, patients, to_notify, deidentified)
   SELECT b.breach_id, b.ledger_sequence, COALESCE(sum(p.studies), 0), count(p.patient),
          count(p.patient) FILTER (WHERE p.notify), COALESCE(sum(p.deidentified), 0)
     FROM rm_breaches b
     LEFT JOIN (SELECT breach_id, patient, count(*) AS studies, bool_or(NOT deidentified) AS notify,
                       count(*) FILTER (WHERE deidentified) AS deidentified
                  FROM affected GROUP BY breach_id, patient) p ON p.breach_id = b.breach_id
    WHERE b.breach_id = ANY ($1::text[])
    GROUP BY b.breach_id, b.ledger_sequence
   ON CONFLICT (breach_id) DO UPDATE
      SET breach_sequence = EXCLUDED.breach_sequence, studies = EXCLUDED.studies,
          patients = EXCLUDED.patients, to_notify = EXCLUDED.to_notify,
          deidentified = EXCLUDED.deidentified`,
];

/**
 * The projection's statement for a batch that changed what some breaches may affect
 * without replacing them: (breach, study) pairs from the batch's new holdings rows ($1
 * vendors, $2 studies, $7 the earliest new row of each; a breach whose exposure ended
 * before it keeps its verdict: a receipt after exposure_to starts no period in it, and an
 * attestation after it ends a period that still overlaps it; read by rm_breaches_exposure),
 * its new dataset members ($3 datasets, $4 studies) of datasets a breach names (by
 * rm_breaches_datasets), and its studies whose resolved patient or de-identification moved
 * ($5), except breaches computed whole in this batch ($6). Each pair is evaluated again
 * (new rows `n`, kept rows `o`); the counts move by the difference, the patients' by whether
 * each touched patient had / has an affected study (and one needing a notice). Whether the
 * breach has another row of that patient (`rest`), and another needing a notice, is asked
 * of rm_breach_affected_patient's first such entry, never of all the patient's rows
 * (session 34 read them all: 3k rows for a patient with 3k affected studies, each time one
 * more came). Each pair's rows are read by key (LATERAL ... OFFSET 0, removed by row id):
 * planned as joins, a batch of a few pairs read every breach, holding, resolution, affected
 * study and count whole whenever the planner guessed 200 pairs. Every CTE sees the rows
 * before this statement, so the removal and the upsert touch disjoint rows.
 */
export const REFRESH_BREACH_IMPACT = `
WITH todo AS (
  SELECT DISTINCT breach_id, study_uid FROM (
    SELECT b.breach_id, p.study_uid
      FROM unnest($1::text[], $2::text[], $7::timestamptz[]) AS p(vendor_id, study_uid, since)
      JOIN rm_breaches b ON b.vendor_id = p.vendor_id AND b.exposure_to >= p.since
    UNION ALL
    SELECT b.breach_id, m.study_uid
      FROM unnest($3::text[], $4::text[]) AS m(dataset_id, study_uid)
      JOIN rm_breaches b ON b.affected_dataset_ids @> ARRAY[m.dataset_id]
    UNION ALL
    SELECT a.breach_id, a.study_uid COLLATE "default"
      FROM rm_breach_affected a WHERE a.study_uid = ANY ($5::text[] COLLATE "C")
  ) p
  WHERE p.breach_id <> ALL ($6::text[])
), n AS MATERIALIZED (
  -- affectedStudies for one pair, from its latest receipt backwards (rm_vendor_holdings_pages),
  -- each receipt's end the first attestation at or after it: the first receipt that
  -- qualifies is received_at. The window over every holding of the pair read a study that
  -- the vendor received and deleted k times whole for each new receipt (2k rows).
  SELECT t.breach_id, t.study_uid COLLATE "C" AS study_uid, s.received_at, r.patient,
         COALESCE(r.deidentified, false) AS deidentified
    FROM todo t
   CROSS JOIN LATERAL (SELECT * FROM rm_breaches WHERE breach_id = t.breach_id OFFSET 0) b
   CROSS JOIN LATERAL (
     SELECT h.at AS received_at
       FROM rm_vendor_holdings h
       LEFT JOIN LATERAL (
         SELECT x.at AS ends FROM rm_vendor_holdings x
          WHERE x.vendor_id = h.vendor_id AND x.study_uid = h.study_uid COLLATE "C"
            AND x.at >= h.at AND x.kind = 'X'
          ORDER BY x.at LIMIT 1) e ON true
      WHERE h.vendor_id = b.vendor_id AND h.study_uid = t.study_uid COLLATE "C"
        AND h.kind = 'R' AND h.at <= b.exposure_to
        AND (e.ends IS NULL OR e.ends > h.at)
        AND (b.exposure_from IS NULL OR e.ends IS NULL OR e.ends > b.exposure_from)
      ORDER BY h.at DESC LIMIT 1) s
   LEFT JOIN LATERAL (SELECT patient, deidentified FROM rm_resolved_studies
                       WHERE study_uid = t.study_uid OFFSET 0) r ON true
   WHERE (b.affected_study_uids IS NULL AND b.affected_dataset_ids IS NULL)
      OR t.study_uid = ANY (b.affected_study_uids)
      OR EXISTS (SELECT 1 FROM rm_dataset_members m
                  WHERE m.study_uid = t.study_uid AND m.dataset_id = ANY (b.affected_dataset_ids)
                    AND m.added_at <= b.exposure_to)
), o AS MATERIALIZED (
  SELECT a.ctid AS row_id, a.breach_id, a.study_uid, a.patient, a.deidentified
    FROM todo t
   CROSS JOIN LATERAL (SELECT ctid, * FROM rm_breach_affected
                        WHERE breach_id = t.breach_id AND study_uid = t.study_uid COLLATE "C"
                       OFFSET 0) a
), touched AS (
  SELECT breach_id, patient FROM n WHERE patient IS NOT NULL
  UNION
  SELECT breach_id, patient FROM o WHERE patient IS NOT NULL
), rest AS (
  -- The first other row in rm_breach_affected_patient's order (a scalar subquery: EXISTS
  -- would drop the ORDER BY that keeps it an index probe when the patient's rows are many).
  SELECT p.breach_id, p.patient,
         (SELECT a.study_uid FROM rm_breach_affected a
           WHERE a.breach_id = p.breach_id AND a.patient = p.patient
             AND NOT EXISTS (SELECT 1 FROM todo t
                              WHERE t.breach_id = a.breach_id
                                AND t.study_uid COLLATE "C" = a.study_uid)
           ORDER BY a.deidentified, a.study_uid LIMIT 1) IS NOT NULL AS held,
         (SELECT a.study_uid FROM rm_breach_affected a
           WHERE a.breach_id = p.breach_id AND a.patient = p.patient AND NOT a.deidentified
             AND NOT EXISTS (SELECT 1 FROM todo t
                              WHERE t.breach_id = a.breach_id
                                AND t.study_uid COLLATE "C" = a.study_uid)
           ORDER BY a.deidentified, a.study_uid LIMIT 1) IS NOT NULL AS notify
    FROM touched p
), before_p AS (
  SELECT breach_id, patient, bool_or(NOT deidentified) AS notify FROM o GROUP BY breach_id, patient
), after_p AS (
  SELECT breach_id, patient, bool_or(NOT deidentified) AS notify FROM n GROUP BY breach_id, patient
), delta AS (
  SELECT breach_id, sum(studies)::int AS studies, sum(deidentified)::int AS deidentified,
         sum(patients)::int AS patients, sum(to_notify)::int AS to_notify
    FROM (
      SELECT breach_id, 1 AS studies, deidentified::int AS deidentified, 0 AS patients, 0 AS to_notify
        FROM n
      UNION ALL
      SELECT breach_id, -1, -(deidentified::int), 0, 0 FROM o
      UNION ALL
      SELECT p.breach_id, 0, 0,
             (r.held OR nw.notify IS NOT NULL)::int - (r.held OR w.notify IS NOT NULL)::int,
             (r.notify OR COALESCE(nw.notify, false))::int
               - (r.notify OR COALESCE(w.notify, false))::int
        FROM touched p
        JOIN rest r ON r.breach_id = p.breach_id AND r.patient = p.patient
        LEFT JOIN before_p w ON w.breach_id = p.breach_id AND w.patient = p.patient
        LEFT JOIN after_p nw ON nw.breach_id = p.breach_id AND nw.patient = p.patient
    ) d
   GROUP BY breach_id
), removed AS (
  DELETE FROM rm_breach_affected
   WHERE ctid = ANY (ARRAY(
     SELECT o.row_id FROM o
      WHERE NOT EXISTS (SELECT 1 FROM n WHERE n.breach_id = o.breach_id AND n.study_uid = o.study_uid)))
), written AS (
  INSERT INTO rm_breach_affected (breach_id, study_uid, received_at, patient, deidentified)
  SELECT breach_id, study_uid, received_at, patient, deidentified FROM n
  ON CONFLICT (breach_id, study_uid) DO UPDATE
     SET received_at = EXCLUDED.received_at, patient = EXCLUDED.patient,
         deidentified = EXCLUDED.deidentified
   WHERE (rm_breach_affected.received_at, rm_breach_affected.patient, rm_breach_affected.deidentified)
         IS DISTINCT FROM (EXCLUDED.received_at, EXCLUDED.patient, EXCLUDED.deidentified)
)
UPDATE rm_breach_counts c
   SET studies = c.studies + d.studies, deidentified = c.deidentified + d.deidentified,
       patients = c.patients + d.patients, to_notify = c.to_notify + d.to_notify
  FROM delta d
 WHERE c.breach_id = d.breach_id
   AND c.breach_id = ANY (ARRAY(SELECT breach_id FROM delta))
   AND (d.studies, d.deidentified, d.patients, d.to_notify) <> (0, 0, 0, 0)`;

/**
 * Breach impact kept by the projection instead of computed when asked: the affected
 * studies of each breach with their patient and de-identification (rm_breach_affected,
 * paged by its key in code-point order, the order of `affected`) and its counts
 * (rm_breach_counts). Computed when asked, the counts read every holding of the breached
 * vendor: 9.8 s for a vendor holding 1.67M studies at 10M entries, past the API's
 * statement timeout. Kept, an answer reads one row and a page reads its rows; the
 * projection updates them for the (breach, study) pairs a batch touches.
 */
export class BreachImpact1764102000000 implements MigrationInterface {
  name = 'BreachImpact1764102000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_breach_affected (
        breach_id text NOT NULL, study_uid text COLLATE "C" NOT NULL,
        received_at timestamptz NOT NULL, patient text, deidentified boolean NOT NULL,
        PRIMARY KEY (breach_id, study_uid))`);
    await q.query('CREATE INDEX rm_breach_affected_study ON rm_breach_affected (study_uid)');
    await q.query(
      'CREATE INDEX rm_breach_affected_patient ON rm_breach_affected (breach_id, patient)',
    );
    await q.query(`
      CREATE TABLE rm_breach_counts (
        breach_id text PRIMARY KEY, breach_sequence bigint NOT NULL,
        studies integer NOT NULL, patients integer NOT NULL, to_notify integer NOT NULL,
        deidentified integer NOT NULL)`);
    await allBreachImpact(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rm_breach_counts, rm_breach_affected');
  }
}

interface Queries {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * The impact of `breachIds` computed whole: what the projection does when a breach report
 * is recorded (or a later report of the same id replaces it). In a transaction, its
 * work_mem is raised until the transaction ends: the window's sort and the counts' hash
 * aggregate of the largest holder (1.7M studies at 10M entries) spill to disk at 4 MB.
 */
export async function computeBreachesWhole(q: Queries, breachIds: string[]): Promise<void> {
  await q.query("SELECT set_config('work_mem', '256MB', true)");
  for (const statement of WHOLE_BREACH_STATEMENTS) await q.query(statement, [breachIds]);
}

/** Every breach's impact computed whole (this migration's backfill, and a bulk load's). */
export async function allBreachImpact(q: Queries): Promise<void> {
  const ids = (await q.query('SELECT breach_id FROM rm_breaches')) as { breach_id: string }[];
  if (ids.length === 0) return;
  await computeBreachesWhole(
    q,
    ids.map((r) => r.breach_id),
  );
  await q.query('ANALYZE rm_breach_affected');
}
