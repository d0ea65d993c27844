import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The studies the bridge published or held, by Orthanc id (with their patient's), so a
 * successful send job read from Orthanc's job history still names its studies when they
 * were deleted from Orthanc before the bridge read the job (the history keeps Orthanc ids
 * only). Orthanc's ids never reach the ledger.
 */
export class BridgeKnownStudies1764105500000 implements MigrationInterface {
  name = 'BridgeKnownStudies1764105500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bridge_known_studies (
        source text NOT NULL, orthanc_id text NOT NULL, study_instance_uid text NOT NULL,
        patient_orthanc_id text,
        PRIMARY KEY (source, orthanc_id))`);
    await q.query(
      `CREATE INDEX bridge_known_studies_patient ON bridge_known_studies (source, patient_orthanc_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bridge_known_studies`);
  }
}
