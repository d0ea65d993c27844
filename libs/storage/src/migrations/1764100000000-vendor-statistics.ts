import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The vendor statistics the projection's vendor-statistics.sql keeps, computed over the
 * whole ledger from the read models already written: this migration's backfill, and a
 * bulk load's once its receipts are in. In order: each received study's chain patients
 * (the patients of the registered studies on its derivation chain, the chain bounded at
 * 64 steps as vendor-stats.sql always walked it), the receipts per (vendor, patient), and
 * the two counts per vendor.
 */
export const ALL_VENDOR_STATISTICS: readonly string[] = [
  `INSERT INTO rm_chain_patients (study_uid, patient)
   WITH RECURSIVE chain(study_uid, ancestor, depth) AS (
     SELECT study_uid, study_uid, 0 FROM (SELECT DISTINCT study_uid FROM rm_vendor_receipts) r
     UNION ALL
     SELECT c.study_uid, d.source_uid, c.depth + 1
       FROM chain c JOIN rm_derivations d ON d.derived_uid = c.ancestor
      WHERE c.depth < 64
   )
   SELECT DISTINCT c.study_uid, s.patient FROM chain c JOIN rm_studies s ON s.study_uid = c.ancestor`,
  `INSERT INTO rm_vendor_patients (vendor_id, patient, studies)
   SELECT r.vendor_id, p.patient, count(*)
     FROM rm_vendor_receipts r JOIN rm_chain_patients p ON p.study_uid = r.study_uid
    GROUP BY r.vendor_id, p.patient`,
  `INSERT INTO rm_vendor_stats (vendor_id, studies_received, patients_affected)
   SELECT r.vendor_id, r.n, coalesce(p.n, 0)
     FROM (SELECT vendor_id, count(*)::int AS n FROM rm_vendor_receipts GROUP BY vendor_id) r
     LEFT JOIN (SELECT vendor_id, count(*)::int AS n FROM rm_vendor_patients GROUP BY vendor_id) p
       ON p.vendor_id = r.vendor_id`,
];

/**
 * Studies received and patients affected per vendor, kept by the projection in the
 * receipts' transaction, so that the vendors page and the dashboard overview read one row
 * per vendor instead of walking every receipt through the derivation chains (6.8 s at
 * 955,645 entries, past the API's statement timeout). A distinct count cannot be kept by
 * a number alone: rm_vendor_patients holds, per (vendor, patient), how many of the
 * vendor's received studies lead to that patient, and rm_chain_patients each received
 * study's patients, so that a registration or derivation arriving after the receipt (in
 * any order) moves exactly the counts it changes.
 */
export class VendorStatistics1764100000000 implements MigrationInterface {
  name = 'VendorStatistics1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_chain_patients (
        study_uid text NOT NULL, patient text NOT NULL,
        PRIMARY KEY (study_uid, patient))`);
    await q.query(`
      CREATE TABLE rm_vendor_patients (
        vendor_id text NOT NULL, patient text NOT NULL,
        studies integer NOT NULL CHECK (studies > 0),
        PRIMARY KEY (vendor_id, patient))`);
    await q.query(`
      CREATE TABLE rm_vendor_stats (
        vendor_id text PRIMARY KEY,
        studies_received integer NOT NULL, patients_affected integer NOT NULL)`);
    // The vendors that received a study whose chain patients changed.
    await q.query('CREATE INDEX rm_vendor_receipts_study ON rm_vendor_receipts (study_uid)');
    for (const statement of ALL_VENDOR_STATISTICS) await q.query(statement);
    // Planner statistics now, for the projection's first batches after a large backfill.
    await q.query(
      'ANALYZE rm_vendor_receipts, rm_chain_patients, rm_vendor_patients, rm_vendor_stats',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX rm_vendor_receipts_study');
    await q.query('DROP TABLE rm_vendor_stats, rm_vendor_patients, rm_chain_patients');
  }
}
