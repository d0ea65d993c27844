import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which studies each vendor received (disclosed or transferred to it; datasets expanded
 * to the members held at the event's time), kept by the projection so that vendor
 * statistics read one vendor's rows instead of aggregating every disclosure.
 */
export class VendorReceipts1764070300000 implements MigrationInterface {
  name = 'VendorReceipts1764070300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_vendor_receipts (
        vendor_id text NOT NULL, study_uid text NOT NULL,
        PRIMARY KEY (vendor_id, study_uid))`);
    // Backfill from what is already projected.
    await q.query(`
      INSERT INTO rm_vendor_receipts (vendor_id, study_uid)
      SELECT recipient_vendor_id, target_study_uid FROM rm_disclosures WHERE target_study_uid IS NOT NULL
      UNION
      SELECT x.recipient_vendor_id, m.study_uid FROM rm_disclosures x
        JOIN rm_dataset_members m ON m.dataset_id = x.target_dataset_id AND m.added_at <= x.occurred_at
      UNION
      SELECT to_vendor_id, target_study_uid FROM rm_transfers WHERE target_study_uid IS NOT NULL
      UNION
      SELECT x.to_vendor_id, m.study_uid FROM rm_transfers x
        JOIN rm_dataset_members m ON m.dataset_id = x.target_dataset_id AND m.added_at <= x.occurred_at`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rm_vendor_receipts');
  }
}
