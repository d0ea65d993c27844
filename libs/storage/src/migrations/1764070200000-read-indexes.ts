import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the API's read queries (libs/queries/src): a vendor's model trainings
 * and deletion attestations, probed by vendor scope and vendor lookups.
 */
export class ReadIndexes1764070200000 implements MigrationInterface {
  name = 'ReadIndexes1764070200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX rm_models_vendor ON rm_models (vendor_id)');
    await q.query('CREATE INDEX rm_deletions_vendor ON rm_deletions (vendor_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX rm_deletions_vendor, rm_models_vendor');
  }
}
