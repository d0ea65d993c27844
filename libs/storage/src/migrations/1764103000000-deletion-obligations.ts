import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deletion obligations kept by the projection (CONTRACT v1.1 section 3.1), so that the
 * filtered deletion lists and `deletionObligationsByVendor` read rows instead of loading
 * and evaluating every request's patient after each growth of the ledger (2.2 s at 1M,
 * 16-24 s at 10M). Per request, evaluated over every event of its patient's world by the
 * pure rules of @scantrail/compliance (libs/queries deletion-obligations.keeper.ts):
 *
 * - rm_deletion_kept: the request's ledger sequence it was evaluated for, and `settled_at`,
 *   the latest time of a registration, derivation or inspection in its patient's world (or
 *   the request's own time): from then on only attestations (`fulfilled_at`) and the due
 *   date move its statuses, both compared with asOf when asked;
 * - rm_deletion_obligations: one row per (request, vendor, study) held at the request's
 *   time, with the earliest covering attestation at or after it and whether the study is a
 *   properly de-identified derivative;
 * - rm_deletion_family: the studies of the patient's world when evaluated (which requests
 *   a later batch touching a study must evaluate again).
 *
 * Nothing of asOf is stored. A request without a kept row for its ledger sequence, or asked
 * as of a time before its `settled_at`, is evaluated when asked, as before. This migration
 * leaves the tables empty (the evaluation is TypeScript, outside this library): the
 * projection fills them for the requests each batch touches, and `cli rebuild`, the bench's
 * fast loader and `cli keep-obligations` for every request.
 */
export class DeletionObligations1764103000000 implements MigrationInterface {
  name = 'DeletionObligations1764103000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_deletion_kept (
        request_id text PRIMARY KEY, request_sequence bigint NOT NULL,
        settled_at timestamptz NOT NULL)`);
    await q.query(`
      CREATE TABLE rm_deletion_obligations (
        request_id text NOT NULL, vendor_id text NOT NULL, study_uid text COLLATE "C" NOT NULL,
        received_at timestamptz NOT NULL, fulfilled_at timestamptz, attestation_event_id text,
        exempt boolean NOT NULL,
        PRIMARY KEY (request_id, vendor_id, study_uid))`);
    await q.query(`
      CREATE TABLE rm_deletion_family (
        request_id text NOT NULL, study_uid text NOT NULL, PRIMARY KEY (request_id, study_uid))`);
    await q.query('CREATE INDEX rm_deletion_family_study ON rm_deletion_family (study_uid)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rm_deletion_family, rm_deletion_obligations, rm_deletion_kept');
  }
}
