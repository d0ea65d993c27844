import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every recording of a consent, as far as it decides which disclosures the consent can
 * cover (rm_consent_recordings; rm_consents keeps the latest only): its patient, decision,
 * purposes and recipients. A consent recorded, recorded again or revoked moves only the
 * consent findings of the disclosures one of its recordings names, so the findings worker
 * re-evaluates those, not every disclosure of the patient against every consent. Existing
 * rows: the latest recording of each consent (the findings already stand on it; `cli
 * rebuild` replays every one). Its rights are granted by `migrate` after every migration,
 * as TABLE_RIGHTS says.
 */
export class ConsentRecordings1764116000000 implements MigrationInterface {
  name = 'ConsentRecordings1764116000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_consent_recordings (
        ledger_sequence bigint PRIMARY KEY, consent_id text NOT NULL, patient text NOT NULL,
        decision text NOT NULL, purposes text[] NOT NULL, vendor_ids text[])`);
    await q.query(
      'CREATE INDEX rm_consent_recordings_consent ON rm_consent_recordings (consent_id)',
    );
    await q.query(`
      INSERT INTO rm_consent_recordings (ledger_sequence, consent_id, patient, decision,
        purposes, vendor_ids)
      SELECT ledger_sequence, consent_id, patient, decision, purposes, vendor_ids
        FROM rm_consents`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rm_consent_recordings');
  }
}
