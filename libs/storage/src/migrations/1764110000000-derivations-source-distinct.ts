import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The projection walks down derivation chains one study at a time (LATERAL probes of
 * rm_derivations by source_uid: the resolved studies' ancestry, the kept labels, the
 * accounting rows). PostgreSQL plans each probe from the column's statistics: after one
 * study got 150,000 derivatives (CONTRACT 1 sets no limit), ANALYZE finds one distinct
 * source, estimates every probe at the whole table and plans a sequential scan per probe:
 * a batch of 5,000 derivations then read 650M rows and its partition stalled for good
 * (test/medium/projection/wide-family). The planner is told what the column holds in any
 * ledger (a source has a few derivatives: distinct values about half the rows), whatever
 * one hostile study does to the sample, so each probe stays an index probe.
 */
export class DerivationsSourceDistinct1764110000000 implements MigrationInterface {
  name = 'DerivationsSourceDistinct1764110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE rm_derivations ALTER COLUMN source_uid SET (n_distinct = -0.5)');
    await q.query('ANALYZE rm_derivations');
  }

  down(): Promise<void> {
    return Promise.reject(new Error('DerivationsSourceDistinct1764110000000 is forward-only'));
  }
}
