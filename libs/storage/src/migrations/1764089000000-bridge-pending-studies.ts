import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Studies Orthanc announced (NewStudy) that the bridge has not published yet, with
 * Orthanc's arrival time. Orthanc tracks stability in memory: a study still unstable when
 * Orthanc stops never gets a StableStudy change, so the bridge asks about old pending ones.
 * A row lives only until its study is published, held or gone; it keeps Orthanc's id
 * because that is the only handle Orthanc gives (it never reaches the ledger).
 * Replaces bridge_study_arrivals, which could not be asked about.
 */
export class BridgePendingStudies1764089000000 implements MigrationInterface {
  name = 'BridgePendingStudies1764089000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bridge_pending_studies (
        source text NOT NULL, orthanc_id text NOT NULL, arrived_at timestamptz NOT NULL,
        PRIMARY KEY (source, orthanc_id))`);
    await q.query(
      `CREATE INDEX bridge_pending_studies_age ON bridge_pending_studies (source, arrived_at)`,
    );
    await q.query(`DROP TABLE bridge_study_arrivals`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bridge_study_arrivals (
        source text NOT NULL, study_key text NOT NULL, arrived_at timestamptz NOT NULL,
        PRIMARY KEY (source, study_key))`);
    await q.query(`DROP TABLE bridge_pending_studies`);
  }
}
