import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CloudEvent `source` of each disclosure and onward transfer, kept beside its event id
 * (the projection writes it from v1.1 on). The accounting of disclosures names both on the
 * patient's letter; it read them from ledger_entries, one random heap page of the ledger per
 * entry, which at 10M entries (an 8.5 GB table) is mostly uncached: the accounting at 10M ran
 * at 57% of its rate at 1M. Existing rows take the source of the entry they came from.
 */
export class EventSourceOfReceipts1764102500000 implements MigrationInterface {
  name = 'EventSourceOfReceipts1764102500000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['rm_disclosures', 'rm_transfers']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN event_source text`);
      await q.query(
        `UPDATE ${table} x SET event_source = e.source
           FROM ledger_entries e WHERE e.sequence = x.ledger_sequence`,
      );
      await q.query(`ALTER TABLE ${table} ALTER COLUMN event_source SET NOT NULL`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE rm_transfers DROP COLUMN event_source');
    await q.query('ALTER TABLE rm_disclosures DROP COLUMN event_source');
  }
}
