import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The columns of rm_accounting_rows, in the order the statements below write them. */
const COLUMNS = `patient, ledger_sequence, study_uid, kind, occurred_at, reference, recipient_id,
  sender_id, purpose, legal_basis, event_source, event_id, dataset_id, is_derivative,
  method_codes, modality, body_part, study_date, patient_system, patient_value_pseudonym`;

/**
 * Every accounting row of the patients `patients` (SQL naming a set of stored pseudonyms)
 * as the accounting read them before this table (its statement of session 16, unchanged but
 * for the patient set and the time window, which the read applies): for every study of
 * the patient (originals and derivatives at any depth, at most 64 steps), one row per
 * disclosure or onward transfer aimed at it directly or at a dataset that held it at the
 * event's time, with what the study's original row says.
 */
function rowsOfPatients(patients: string): string {
  return `
WITH RECURSIVE family(uid, depth, method_codes, modality, body_part, study_date,
                      patient, patient_system, patient_value_pseudonym) AS (
  SELECT s.study_uid, 0, '{}'::text[], s.modality, s.body_part, s.study_date,
         s.patient, s.patient_system, s.patient_value_pseudonym
    FROM rm_studies s WHERE s.patient IN (${patients})
  UNION ALL
  SELECT d.derived_uid, f.depth + 1, d.method_codes, f.modality, f.body_part,
         f.study_date, f.patient, f.patient_system, f.patient_value_pseudonym
    FROM family f JOIN rm_derivations d ON d.source_uid = f.uid
   WHERE f.depth < 64
),
-- Each study of each patient once, at its shortest distance from one of the patient's studies.
studies AS (
  SELECT DISTINCT ON (patient, uid) uid, depth > 0 AS is_derivative, method_codes, modality,
         body_part, study_date, patient, patient_system, patient_value_pseudonym
    FROM family ORDER BY patient, uid, depth
),
entries AS (
  SELECT s.patient, x.ledger_sequence, s.uid AS study_uid, 'DISCLOSURE' AS kind, x.occurred_at,
         x.disclosure_id AS reference, x.recipient_vendor_id AS recipient_id,
         NULL::text AS sender_id, x.purpose, x.legal_basis, x.event_source, x.event_id,
         NULL::text AS dataset_id, s.is_derivative, s.method_codes, s.modality, s.body_part,
         s.study_date, s.patient_system, s.patient_value_pseudonym
    FROM studies s
    JOIN rm_disclosures x ON x.target_study_uid = s.uid
  UNION ALL
  SELECT s.patient, x.ledger_sequence, s.uid, 'DISCLOSURE', x.occurred_at, x.disclosure_id,
         x.recipient_vendor_id, NULL, x.purpose, x.legal_basis, x.event_source, x.event_id,
         m.dataset_id, s.is_derivative, s.method_codes, s.modality, s.body_part,
         s.study_date, s.patient_system, s.patient_value_pseudonym
    FROM studies s
    JOIN rm_dataset_members m ON m.study_uid = s.uid
    JOIN rm_disclosures x ON x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
  UNION ALL
  SELECT s.patient, x.ledger_sequence, s.uid, 'TRANSFER', x.occurred_at, x.transfer_id,
         x.to_vendor_id, x.from_vendor_id, x.purpose, NULL, x.event_source, x.event_id,
         NULL, s.is_derivative, s.method_codes, s.modality, s.body_part,
         s.study_date, s.patient_system, s.patient_value_pseudonym
    FROM studies s
    JOIN rm_transfers x ON x.target_study_uid = s.uid
  UNION ALL
  SELECT s.patient, x.ledger_sequence, s.uid, 'TRANSFER', x.occurred_at, x.transfer_id,
         x.to_vendor_id, x.from_vendor_id, x.purpose, NULL, x.event_source, x.event_id,
         m.dataset_id, s.is_derivative, s.method_codes, s.modality, s.body_part,
         s.study_date, s.patient_system, s.patient_value_pseudonym
    FROM studies s
    JOIN rm_dataset_members m ON m.study_uid = s.uid
    JOIN rm_transfers x ON x.target_dataset_id = m.dataset_id AND x.occurred_at >= m.added_at
)
INSERT INTO rm_accounting_rows (${COLUMNS})
SELECT ${COLUMNS} FROM entries`;
}

/** Every patient's rows: this migration's fill, and a bulk load's. */
export const ALL_ACCOUNTING_ROWS = rowsOfPatients('SELECT patient FROM rm_studies');

/**
 * The projection's first statement for a batch that registered or derived studies ($1:
 * those studies; dataset members only add rows, ADD_ACCOUNTING_MEMBERS): the studies whose
 * rows the batch may have changed, their
 * stored rows deleted (for every patient, so also for the patient a study left); the
 * statement WRITE_ACCOUNTING_STUDIES writes them again. A registration or derivation moves
 * the study's derivatives at any depth too (at most 64 steps, as the family walks); only
 * a study some event carries has rows (a registration or derivation before the study's
 * first disclosure, the usual order, moves none).
 */
export const RELEASE_ACCOUNTING_STUDIES = `
WITH RECURSIVE down(uid, depth) AS (
  SELECT u, 0 FROM unnest($1::text[]) u
  UNION ALL
  SELECT d.derived_uid, w.depth + 1
    FROM down w CROSS JOIN LATERAL (SELECT x.derived_uid FROM rm_derivations x
                                    WHERE x.source_uid = w.uid OFFSET 0) d
   WHERE w.depth < 64
), carrying AS (
  SELECT m.uid FROM (SELECT DISTINCT uid FROM down) m
   WHERE EXISTS (SELECT 1 FROM rm_disclosures x WHERE x.target_study_uid = m.uid)
      OR EXISTS (SELECT 1 FROM rm_transfers x WHERE x.target_study_uid = m.uid)
      OR EXISTS (SELECT 1 FROM rm_dataset_members d
                  WHERE d.study_uid = m.uid
                    AND (EXISTS (SELECT 1 FROM rm_disclosures x WHERE x.target_dataset_id = d.dataset_id)
                         OR EXISTS (SELECT 1 FROM rm_transfers x
                                     WHERE x.target_dataset_id = d.dataset_id)))
), released AS (
  DELETE FROM rm_accounting_rows r WHERE r.study_uid IN (SELECT uid FROM carrying)
)
SELECT coalesce(array_agg(uid), '{}') AS studies FROM carrying`;

/**
 * The rows of the events in `hits` (a CTE of (event columns, study_uid, dataset_id): each
 * event once per study it carried) for every patient with the study in its family. A study
 * is in a patient's family when one of its ancestors (itself included, at most 64 steps up)
 * is the patient's; the nearest such study gives the row what it says, as the family's
 * shortest distance does.
 */
function rowsOfHits(hits: string, filter: string): string {
  return `
WITH RECURSIVE ${hits}, up(uid, ancestor, depth) AS (
  SELECT uid, uid, 0 FROM (SELECT DISTINCT study_uid AS uid FROM hits) h
  UNION ALL
  SELECT u.uid, d.source_uid, u.depth + 1
    FROM up u CROSS JOIN LATERAL (SELECT x.source_uid FROM rm_derivations x
                                  WHERE x.derived_uid = u.ancestor OFFSET 0) d
   WHERE u.depth < 64
), families AS (
  SELECT DISTINCT ON (u.uid, s.patient) u.uid, s.patient, u.depth > 0 AS is_derivative,
         CASE WHEN u.depth = 0 THEN '{}'::text[]
              ELSE (SELECT x.method_codes FROM rm_derivations x WHERE x.derived_uid = u.uid)
          END AS method_codes,
         s.modality, s.body_part, s.study_date, s.patient_system, s.patient_value_pseudonym
    FROM up u
   CROSS JOIN LATERAL (SELECT x.* FROM rm_studies x WHERE x.study_uid = u.ancestor OFFSET 0) s
   ORDER BY u.uid, s.patient, u.depth
)
INSERT INTO rm_accounting_rows (${COLUMNS})
SELECT f.patient, h.ledger_sequence, h.study_uid, h.kind, h.occurred_at, h.reference,
       h.recipient_id, h.sender_id, h.purpose, h.legal_basis, h.event_source, h.event_id,
       h.dataset_id, f.is_derivative, f.method_codes, f.modality, f.body_part, f.study_date,
       f.patient_system, f.patient_value_pseudonym
  FROM hits h JOIN families f ON f.uid = h.study_uid
 ${filter}`;
}

const EVENT_COLUMNS = `x.ledger_sequence, x.occurred_at, x.event_source, x.event_id, x.purpose`;
const DISCLOSURE = `'DISCLOSURE' AS kind, ${EVENT_COLUMNS}, x.disclosure_id AS reference,
         x.recipient_vendor_id AS recipient_id, NULL::text AS sender_id, x.legal_basis`;
const TRANSFER = `'TRANSFER' AS kind, ${EVENT_COLUMNS}, x.transfer_id AS reference,
         x.to_vendor_id AS recipient_id, x.from_vendor_id AS sender_id, NULL::text AS legal_basis`;

/**
 * The hits through a dataset: each disclosure and onward transfer aimed at the dataset of a
 * member `m` (dataset_id, study_uid, added_at, from `from`) at or after the member's
 * added_at, once per member study.
 */
function datasetHits(from: string): string {
  return [DISCLOSURE, TRANSFER]
    .map(
      (columns, i) => `SELECT ${columns}, m.study_uid, m.dataset_id
    FROM ${from}
   CROSS JOIN LATERAL (SELECT * FROM ${i === 0 ? 'rm_disclosures' : 'rm_transfers'} x
                        WHERE x.target_dataset_id = m.dataset_id
                          AND x.occurred_at >= m.added_at OFFSET 0) x`,
    )
    .join('\n  UNION ALL\n  ');
}

/**
 * The projection's rewrite of the studies RELEASE_ACCOUNTING_STUDIES released ($1): every
 * event aimed at each study directly, or at a dataset that held it at the event's time.
 */
export const WRITE_ACCOUNTING_STUDIES = rowsOfHits(
  `studies AS (
  SELECT unnest($1::text[]) AS uid
), hits AS (
  SELECT ${DISCLOSURE}, s.uid AS study_uid, NULL::text AS dataset_id
    FROM studies s CROSS JOIN LATERAL (SELECT * FROM rm_disclosures x
                                       WHERE x.target_study_uid = s.uid OFFSET 0) x
  UNION ALL
  SELECT ${TRANSFER}, s.uid, NULL
    FROM studies s CROSS JOIN LATERAL (SELECT * FROM rm_transfers x
                                       WHERE x.target_study_uid = s.uid OFFSET 0) x
  UNION ALL
  ${datasetHits('studies s JOIN rm_dataset_members m ON m.study_uid = s.uid')}
)`,
  '',
);

/**
 * The projection's statement for a batch's disclosures ($1) and onward transfers ($2, ledger
 * sequences): their rows, but for the studies in $3 (written whole by
 * WRITE_ACCOUNTING_STUDIES in the same batch).
 */
export const ADD_ACCOUNTING_EVENTS = rowsOfHits(
  `events AS (
  SELECT ${DISCLOSURE}, x.target_study_uid, x.target_dataset_id
    FROM rm_disclosures x WHERE x.ledger_sequence = ANY($1::bigint[])
  UNION ALL
  SELECT ${TRANSFER}, x.target_study_uid, x.target_dataset_id
    FROM rm_transfers x WHERE x.ledger_sequence = ANY($2::bigint[])
), hits AS (
  SELECT e.*, e.target_study_uid AS study_uid, NULL::text AS dataset_id
    FROM events e WHERE e.target_study_uid IS NOT NULL
  UNION ALL
  SELECT e.*, m.study_uid, m.dataset_id
    FROM events e
   CROSS JOIN LATERAL (SELECT x.study_uid, x.dataset_id FROM rm_dataset_members x
                        WHERE x.dataset_id = e.target_dataset_id AND e.occurred_at >= x.added_at
                       OFFSET 0) m
)`,
  'WHERE h.study_uid <> ALL($3::text[])',
);

/**
 * The projection's statement for a batch's dataset members ($1 dataset ids, $2 study uids;
 * rows of rm_dataset_members the batch wrote): the rows of the disclosures and onward
 * transfers of each dataset at or after the member's stored added_at, but for the studies in
 * $3 (written whole by WRITE_ACCOUNTING_STUDIES). A member's added_at only moves earlier
 * (the earliest wins), so a member only ever adds rows, and a disclosure of the dataset
 * carries the member study itself, not its derivatives: no rows are released. A row the
 * batch's own events or an earlier member write already added is the same row (its key is
 * (patient, event, study) and all it says follows from the event and the study's family),
 * so those are skipped.
 */
export const ADD_ACCOUNTING_MEMBERS = `${rowsOfHits(
  `members AS (
  SELECT m.dataset_id, m.study_uid, m.added_at
    FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) u(dataset_id, study_uid)) u
    JOIN rm_dataset_members m ON m.dataset_id = u.dataset_id AND m.study_uid = u.study_uid
), hits AS (
  ${datasetHits('members m')}
)`,
  'WHERE h.study_uid <> ALL($3::text[])',
)}
ON CONFLICT DO NOTHING`;

/**
 * The accounting of disclosures kept by the projection: one row per (patient, disclosure or
 * onward transfer, study it carried), with what the letter says of the event and of the
 * study's original, so a patient's accounting is one index range (plus the names, the
 * study's latest inspection and the findings, read by key) instead of a ~60-node plan
 * walking the patient's studies, datasets and both event tables (half of its PostgreSQL CPU
 * was that plan's fixed start, bench/HISTORY.md, session 16). Written by the projection in the
 * batch's transaction, so `cli rebuild` and `verify --read-models` cover it.
 */
export class AccountingRows1764108500000 implements MigrationInterface {
  name = 'AccountingRows1764108500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_accounting_rows (
        patient text NOT NULL,
        ledger_sequence bigint NOT NULL,
        study_uid text NOT NULL,
        kind text NOT NULL,
        occurred_at timestamptz NOT NULL,
        reference text,
        recipient_id text,
        sender_id text,
        purpose text,
        legal_basis text,
        event_source text,
        event_id text,
        dataset_id text,
        is_derivative boolean NOT NULL,
        method_codes text[],
        modality text,
        body_part text,
        study_date text,
        patient_system text,
        patient_value_pseudonym text,
        PRIMARY KEY (patient, ledger_sequence, study_uid)
      )`);
    // The patients whose rows a registration or derivation of the study moves.
    await q.query('CREATE INDEX rm_accounting_rows_study ON rm_accounting_rows (study_uid)');
    await q.query(ALL_ACCOUNTING_ROWS);
    await q.query('ANALYZE rm_accounting_rows');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rm_accounting_rows');
  }
}
