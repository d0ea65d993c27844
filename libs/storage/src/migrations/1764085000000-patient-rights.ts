import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deletion requests and breach reports (CONTRACT v1.1 section 3.1), one row per request or
 * breach id (a re-sent id: the event with the latest time wins). Their answers are
 * evaluated when asked, from the lineage read models, because they depend on `asOf`.
 */
export class PatientRights1764085000000 implements MigrationInterface {
  name = 'PatientRights1764085000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_deletion_requests (
        request_id text PRIMARY KEY,
        patient text NOT NULL,
        patient_system text NOT NULL,
        requested_at timestamptz NOT NULL,
        due_by timestamptz NOT NULL,
        scope_study_uids text[],
        legal_ground text,
        channel text,
        event_id text NOT NULL,
        event_time timestamptz NOT NULL,
        ledger_sequence bigint NOT NULL)`);
    await q.query('CREATE INDEX rm_deletion_requests_patient ON rm_deletion_requests (patient)');
    await q.query(
      'CREATE INDEX rm_deletion_requests_time ON rm_deletion_requests (requested_at, request_id)',
    );
    await q.query(`
      CREATE TABLE rm_breaches (
        breach_id text PRIMARY KEY,
        vendor_id text NOT NULL,
        discovered_at timestamptz NOT NULL,
        exposure_from timestamptz,
        exposure_to timestamptz NOT NULL,
        affected_study_uids text[],
        affected_dataset_ids text[],
        description text,
        event_id text NOT NULL,
        event_time timestamptz NOT NULL,
        ledger_sequence bigint NOT NULL)`);
    await q.query('CREATE INDEX rm_breaches_vendor ON rm_breaches (vendor_id, breach_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rm_breaches, rm_deletion_requests');
  }
}
