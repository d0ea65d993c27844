import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the Orthanc bridge keeps between runs (CONTRACT section 6), per bridge `source`:
 * its place in Orthanc's changes and in the job journal, when each study arrived, which
 * send jobs it already published, and what it holds. Keys are keyed hashes of Orthanc's
 * ids (unkeyed hashes of patient data); the only DICOM value kept is a Study Instance UID.
 */
export class OrthancBridge1764086000000 implements MigrationInterface {
  name = 'OrthancBridge1764086000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bridge_cursors (
        source text PRIMARY KEY,
        change_seq bigint NOT NULL DEFAULT 0,
        journal_offset bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`
      CREATE TABLE bridge_study_arrivals (
        source text NOT NULL, study_key text NOT NULL, arrived_at timestamptz NOT NULL,
        PRIMARY KEY (source, study_key))`);
    await q.query(`
      CREATE TABLE bridge_jobs_done (
        source text NOT NULL, job_key text NOT NULL, done_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, job_key))`);
    // A held send or study: kind SEND (destination not in BRIDGE_DESTINATIONS) or STUDY
    // (no Patient ID or Study Date, or a copy whose original is gone).
    await q.query(`
      CREATE TABLE bridge_held (
        source text NOT NULL, held_key text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('SEND', 'STUDY')),
        reason text NOT NULL,
        study_instance_uid text NOT NULL,
        destination text,
        destination_kind text,
        occurred_at timestamptz NOT NULL,
        event_id text NOT NULL,
        data_id text NOT NULL,
        held_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, held_key))`);
    await q.query(`CREATE INDEX bridge_held_kind ON bridge_held (kind, held_at)`);
    // The destinations file as the bridge last read it, for the API and the dashboard.
    await q.query(`
      CREATE TABLE bridge_destinations (
        source text NOT NULL, name text NOT NULL,
        vendor_id text NOT NULL, purpose text NOT NULL, legal_basis text NOT NULL,
        agreement_id text,
        orthanc_kind text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, name))`);
    await q.query(`CREATE INDEX bridge_destinations_vendor ON bridge_destinations (vendor_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'bridge_destinations',
      'bridge_held',
      'bridge_jobs_done',
      'bridge_study_arrivals',
      'bridge_cursors',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
