import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * De-identification inspections (CONTRACT v1.1): one row per `deidentification.inspected`
 * entry, read for `Study.inspections` and for a study's latest inspection (findings, proper
 * de-identification). Found patient identifiers are kept as the ledger keeps them:
 * pseudonyms. rm_studies gains the value-only pseudonym of the patient, which an inspection's
 * issuer-less find is matched against.
 */
export class Inspections1764084000000 implements MigrationInterface {
  name = 'Inspections1764084000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_inspections (
        ledger_sequence bigint PRIMARY KEY,
        inspection_id text NOT NULL,
        study_uid text NOT NULL,
        event_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        tool_name text NOT NULL,
        tool_version text NOT NULL,
        instances integer NOT NULL,
        result text NOT NULL CHECK (result IN ('PASS', 'FAIL')),
        issues jsonb NOT NULL DEFAULT '[]',
        method_codes_found text[] NOT NULL DEFAULT '{}',
        patient_identifiers_found jsonb NOT NULL DEFAULT '[]',
        event_time timestamptz NOT NULL)`);
    await q.query(
      'CREATE INDEX rm_inspections_study ON rm_inspections (study_uid, occurred_at, ledger_sequence)',
    );
    await q.query('ALTER TABLE rm_studies ADD COLUMN patient_value_pseudonym text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE rm_studies DROP COLUMN patient_value_pseudonym');
    await q.query('DROP TABLE rm_inspections');
  }
}
