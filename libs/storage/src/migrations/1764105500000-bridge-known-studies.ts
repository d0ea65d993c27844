import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The studies the bridge published or held, by the keyed hash of their Orthanc id (and of
 * their patient's), so a successful send job read from Orthanc's job history still names its
 * studies when they were deleted from Orthanc before the bridge read the job (the history
 * keeps Orthanc ids only). Orthanc's ids are unkeyed SHA-1 hashes of patient data (a
 * patient's: of the Patient ID alone), so they are stored only as the bridge's state keys
 * (HMAC with PSEUDONYM_KEY, BridgeEventIds.stateKey), like bridge_held's.
 */
export class BridgeKnownStudies1764105500000 implements MigrationInterface {
  name = 'BridgeKnownStudies1764105500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bridge_known_studies (
        source text NOT NULL, study_key text NOT NULL, study_instance_uid text NOT NULL,
        patient_key text,
        PRIMARY KEY (source, study_key))`);
    await q.query(
      `CREATE INDEX bridge_known_studies_patient ON bridge_known_studies (source, patient_key)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bridge_known_studies`);
  }
}
