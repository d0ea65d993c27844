import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The successful send jobs of Orthanc that the bridge could not turn into disclosures
 * (images that left with no ledger entry: a DICOMweb STOW whose job names neither server
 * nor resources, no usable completion time, no study Orthanc still has, a resource it could
 * not read), once per job, so a privacy officer sees them (the API's bridgeState) rather than
 * a log line. Keyed like bridge_jobs_done, by the bridge's keyed hash of Orthanc's job id;
 * only what Orthanc said of the job besides: its type, the destination as reported (URL, AET
 * or server name), the instance count, the completion time. No study uid, no patient value.
 */
export class BridgeUnrecordedSends1764117500000 implements MigrationInterface {
  name = 'BridgeUnrecordedSends1764117500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bridge_unrecorded_sends (
        source text NOT NULL, job_key text NOT NULL,
        reason text NOT NULL
          CHECK (reason IN ('completion_time', 'dicomweb_unnamed', 'no_study', 'unreadable')),
        job_type text NOT NULL,
        destination_kind text NOT NULL CHECK (destination_kind IN ('peer', 'modality', 'dicomweb')),
        destination text,
        instances integer CHECK (instances >= 0),
        completed_at timestamptz,
        noticed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, job_key))`);
    // The API lists the newest first.
    await q.query(
      `CREATE INDEX bridge_unrecorded_sends_noticed ON bridge_unrecorded_sends (noticed_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bridge_unrecorded_sends`);
  }
}
