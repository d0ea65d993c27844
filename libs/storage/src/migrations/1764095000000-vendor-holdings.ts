import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every row the projection's vendor-holdings.sql would have added over the whole ledger,
 * from the lineage read models already written: this migration's backfill, and a bulk
 * load's once its read models are in.
 */
export const ALL_VENDOR_HOLDINGS = `
WITH events AS (
  SELECT 'R' AS kind, recipient_vendor_id AS vendor_id, ledger_sequence, occurred_at,
         target_study_uid, target_dataset_id
    FROM rm_disclosures
  UNION ALL
  SELECT 'R', to_vendor_id, ledger_sequence, occurred_at, target_study_uid, target_dataset_id
    FROM rm_transfers
  UNION ALL
  SELECT 'X', vendor_id, ledger_sequence, occurred_at, target_study_uid, target_dataset_id
    FROM rm_deletions
)
INSERT INTO rm_vendor_holdings (vendor_id, study_uid, kind, at, ledger_sequence)
SELECT vendor_id, target_study_uid, kind, occurred_at, ledger_sequence
  FROM events WHERE target_study_uid IS NOT NULL
UNION ALL
SELECT e.vendor_id, m.study_uid, e.kind, e.occurred_at, e.ledger_sequence
  FROM events e
  JOIN rm_dataset_members m ON m.dataset_id = e.target_dataset_id AND m.added_at <= e.occurred_at
ON CONFLICT DO NOTHING`;

/**
 * Receipts (R: a disclosure or onward transfer to the vendor) and deletion attestations
 * (X) of each (vendor, study), datasets expanded to the members they held at the event's
 * time (CONTRACT v1.1 section 3.1), kept by the projection so that breach impact reads the
 * breached vendor's rows by index instead of loading every event of it and evaluating
 * them in memory.
 */
export class VendorHoldings1764095000000 implements MigrationInterface {
  name = 'VendorHoldings1764095000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_vendor_holdings (
        vendor_id text NOT NULL, study_uid text NOT NULL,
        kind "char" NOT NULL CHECK (kind IN ('R', 'X')),
        at timestamptz NOT NULL, ledger_sequence bigint NOT NULL,
        PRIMARY KEY (vendor_id, study_uid, ledger_sequence))`);
    await q.query(ALL_VENDOR_HOLDINGS);
    // Planner statistics now: the first breach read after a large backfill otherwise plans
    // its joins for a hundredth of the rows it reads.
    await q.query('ANALYZE rm_vendor_holdings');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rm_vendor_holdings');
  }
}
