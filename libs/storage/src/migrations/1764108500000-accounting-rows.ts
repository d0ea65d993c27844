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
function rowsOfPatients(patients: string, probe: boolean): string {
  // The projection's form probes an index per study (LATERAL ... OFFSET 0) for the batch's
  // few patients; the fill's lets the planner join whole tables.
  const derivatives = probe
    ? `FROM family f CROSS JOIN LATERAL (SELECT x.derived_uid, x.method_codes FROM rm_derivations x
                                     WHERE x.source_uid = f.uid OFFSET 0) d`
    : 'FROM family f JOIN rm_derivations d ON d.source_uid = f.uid';
  return `
WITH RECURSIVE family(uid, depth, method_codes, modality, body_part, study_date,
                      patient, patient_system, patient_value_pseudonym) AS (
  SELECT s.study_uid, 0, '{}'::text[], s.modality, s.body_part, s.study_date,
         s.patient, s.patient_system, s.patient_value_pseudonym
    FROM rm_studies s WHERE s.patient IN (${patients})
  UNION ALL
  SELECT d.derived_uid, f.depth + 1, d.method_codes, f.modality, f.body_part,
         f.study_date, f.patient, f.patient_system, f.patient_value_pseudonym
    ${derivatives}
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
export const ALL_ACCOUNTING_ROWS = rowsOfPatients('SELECT patient FROM rm_studies', false);

/** The projection's rewrite of whole patients: $1 their stored pseudonyms (none stored yet). */
export const WRITE_ACCOUNTING_PATIENTS = rowsOfPatients('SELECT unnest($1::text[])', true);

/**
 * The projection's first statement for a batch that registered, derived or added dataset
 * members ($1: those studies): the patients whose accounting the batch may have changed,
 * their stored rows deleted (WRITE_ACCOUNTING_PATIENTS writes them again). A study's
 * registration or derivation moves its derivatives at any depth too; a patient is touched
 * when one of its studies is such a study or an ancestor of one (walking at most 64 steps
 * up, as the family walks down), or when it had rows of one (the patient it left).
 */
export const RELEASE_ACCOUNTING_PATIENTS = `
WITH RECURSIVE down(uid, depth) AS (
  SELECT u, 0 FROM unnest($1::text[]) u
  UNION ALL
  SELECT d.derived_uid, w.depth + 1
    FROM down w CROSS JOIN LATERAL (SELECT x.derived_uid FROM rm_derivations x
                                    WHERE x.source_uid = w.uid OFFSET 0) d
   WHERE w.depth < 64
), moved AS (
  SELECT DISTINCT uid FROM down
), up(uid, depth) AS (
  SELECT uid, 0 FROM moved
  UNION ALL
  SELECT d.source_uid, u.depth + 1
    FROM up u CROSS JOIN LATERAL (SELECT x.source_uid FROM rm_derivations x
                                  WHERE x.derived_uid = u.uid OFFSET 0) d
   WHERE u.depth < 64
), patients AS (
  SELECT s.patient
    FROM (SELECT DISTINCT uid FROM up) a
   CROSS JOIN LATERAL (SELECT x.patient FROM rm_studies x WHERE x.study_uid = a.uid OFFSET 0) s
  UNION
  SELECT r.patient
    FROM moved m
   CROSS JOIN LATERAL (SELECT x.patient FROM rm_accounting_rows x
                        WHERE x.study_uid = m.uid OFFSET 0) r
), released AS (
  DELETE FROM rm_accounting_rows r WHERE r.patient IN (SELECT patient FROM patients)
)
SELECT coalesce(array_agg(patient), '{}') AS patients FROM patients`;

/**
 * The projection's statement for a batch's disclosures ($1) and onward transfers ($2, ledger
 * sequences): their rows for every patient with the study (or a member of the dataset, held
 * at the event's time) in its family but those in $3 (written whole by
 * WRITE_ACCOUNTING_PATIENTS in the same batch). A study is in a patient's family when one of
 * its ancestors (itself included, at most 64 steps up) is the patient's; the nearest such
 * study gives the row what it says, as the family's shortest distance does.
 */
export const ADD_ACCOUNTING_EVENTS = `
WITH RECURSIVE events AS (
  SELECT x.ledger_sequence, 'DISCLOSURE' AS kind, x.occurred_at, x.disclosure_id AS reference,
         x.recipient_vendor_id AS recipient_id, NULL::text AS sender_id, x.purpose,
         x.legal_basis, x.event_source, x.event_id, x.target_study_uid, x.target_dataset_id
    FROM rm_disclosures x WHERE x.ledger_sequence = ANY($1::bigint[])
  UNION ALL
  SELECT x.ledger_sequence, 'TRANSFER', x.occurred_at, x.transfer_id, x.to_vendor_id,
         x.from_vendor_id, x.purpose, NULL, x.event_source, x.event_id, x.target_study_uid,
         x.target_dataset_id
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
), up(uid, ancestor, depth) AS (
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
 WHERE f.patient <> ALL($3::text[])`;

/**
 * The accounting of disclosures kept by the projection: one row per (patient, disclosure or
 * onward transfer, study it carried), with what the letter says of the event and of the
 * study's original, so a patient's accounting is one index range (plus the names, the
 * study's latest inspection and the findings, read by key) instead of a ~60-node plan
 * walking the patient's studies, datasets and both event tables (half of its PostgreSQL CPU
 * was that plan's fixed start, bench/README.md session 16). Written by the projection in the
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
