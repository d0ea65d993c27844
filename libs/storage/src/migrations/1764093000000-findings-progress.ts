import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How far the findings are complete: the ledger sequence up to which every entry's effect on
 * rm_findings is stored (-1: none). The ingest commits ledger and read models only; its
 * findings worker evaluates the entries after this position and moves it in the same
 * transaction as the findings it writes. One row per database (one log per database today).
 * Findings written before this migration were written with their entries, so an existing
 * ledger starts complete through its head.
 */
export class FindingsProgress1764093000000 implements MigrationInterface {
  name = 'FindingsProgress1764093000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE findings_progress (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        complete_through bigint NOT NULL CHECK (complete_through >= -1),
        updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`
      INSERT INTO findings_progress (complete_through)
      SELECT COALESCE(MAX(sequence), -1) FROM ledger_entries`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE findings_progress`);
  }
}
