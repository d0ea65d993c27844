import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Costs that grew with history where each change is small (session 35).
 *
 * The breach impact kept by the projection (REFRESH_BREACH_IMPACT, 1764102000000): a new
 * holding asked every breach of its vendor (rm_breaches_vendor is by id) and a new dataset
 * member every breach of every vendor (no index on affected_dataset_ids), and a holding
 * inside a window read all the patient's other affected studies to count the patient once.
 * Now the breaches whose window ends at or after the holding (rm_breaches_exposure), those
 * naming the dataset (rm_breaches_datasets), and the first other study of the patient, and
 * the first one needing a notice (rm_breach_affected_patient, now in that order).
 */
export class HistoryBoundedCosts1764118000000 implements MigrationInterface {
  name = 'HistoryBoundedCosts1764118000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX rm_breaches_exposure ON rm_breaches (vendor_id, exposure_to)');
    await q.query(
      'CREATE INDEX rm_breaches_datasets ON rm_breaches USING gin (affected_dataset_ids)',
    );
    await q.query('DROP INDEX rm_breach_affected_patient');
    await q.query(`CREATE INDEX rm_breach_affected_patient
                     ON rm_breach_affected (breach_id, patient, deidentified, study_uid)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX rm_breach_affected_patient');
    await q.query(
      'CREATE INDEX rm_breach_affected_patient ON rm_breach_affected (breach_id, patient)',
    );
    await q.query('DROP INDEX rm_breaches_datasets, rm_breaches_exposure');
  }
}
