import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdentifier } from '../database/table-rights';
import { createGenerationTriggers } from './1764107000000-findings-generation';

/** The codes whose detail every study of an event shares (AGREEMENT_CODES of libs/compliance). */
const SHARED_DETAIL_CODES = `('NO_AGREEMENT', 'UNAUTHORIZED_ONWARD_TRANSFER')`;

/**
 * An agreement finding's detail once per (event, code) instead of once per study the event
 * carried. The detail of NO_AGREEMENT and UNAUTHORIZED_ONWARD_TRANSFER names the vendor's
 * other agreements, so every study of the event shares it, and an agreement signed or
 * terminated changes it for each of them: on the bench's prefilled ledger the findings
 * worker rewrote 97,925 rows for one termination (28,326 events, 3.5 studies an event),
 * the largest single cost of its rounds (session 20, bench/HISTORY.md).
 *
 * The table is renamed `rm_finding_rows` (its indexes, key and generation triggers with
 * it), its `detail` is NULL for those two codes and only for them (a CHECK), and
 * `rm_finding_details (ledger_sequence, code)` holds theirs. A view keeps the name
 * `rm_findings` and every reader's SQL: each row with `COALESCE(row's detail, its event's)`,
 * its event's looked up by key in a sub-select, which PostgreSQL runs only for the rows a
 * reader returns (after a page's LIMIT) with no detail of their own, and never for one that
 * reads no detail (a count). A LEFT JOIN there made the API's keyset pages a merge join
 * reading the details from their first key (35 ms against 0.45 ms a page on the 1M-entry
 * bench ledger, session 21). The findings generation triggers run on the new table too,
 * since a detail can change with no row changing. Reversible: `down` puts every detail
 * back on its rows.
 */
export class FindingDetails1764112000000 implements MigrationInterface {
  name = 'FindingDetails1764112000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE rm_findings RENAME TO rm_finding_rows');
    await q.query('ALTER INDEX rm_findings_pkey RENAME TO rm_finding_rows_pkey');
    for (const index of ['study', 'vendor', 'code']) {
      await q.query(`ALTER INDEX rm_findings_${index} RENAME TO rm_finding_rows_${index}`);
    }
    for (const event of ['insert', 'update', 'delete', 'truncate']) {
      await q.query(
        `ALTER TRIGGER rm_findings_generation_${event} ON rm_finding_rows
         RENAME TO rm_finding_rows_generation_${event}`,
      );
    }
    await q.query(`
      CREATE TABLE rm_finding_details (
        ledger_sequence bigint NOT NULL, code text NOT NULL, detail text NOT NULL,
        PRIMARY KEY (ledger_sequence, code))`);
    await q.query(`
      INSERT INTO rm_finding_details (ledger_sequence, code, detail)
      SELECT DISTINCT ON (ledger_sequence, code) ledger_sequence, code, detail
        FROM rm_finding_rows WHERE code IN ${SHARED_DETAIL_CODES}
       ORDER BY ledger_sequence, code`);
    await q.query('ALTER TABLE rm_finding_rows ALTER COLUMN detail DROP NOT NULL');
    await q.query(`UPDATE rm_finding_rows SET detail = NULL WHERE code IN ${SHARED_DETAIL_CODES}`);
    await q.query(`
      ALTER TABLE rm_finding_rows ADD CONSTRAINT rm_finding_rows_shared_detail
        CHECK ((detail IS NULL) = (code IN ${SHARED_DETAIL_CODES}))`);
    await createGenerationTriggers(q, 'rm_finding_details');
    await q.query(`
      CREATE VIEW rm_findings AS
      SELECT r.ledger_sequence, r.study_uid, r.code, r.vendor_id, r.event_id, r.occurred_at,
             COALESCE(r.detail,
                      (SELECT d.detail FROM rm_finding_details d
                        WHERE d.ledger_sequence = r.ledger_sequence AND d.code = r.code))
               AS detail
        FROM rm_finding_rows r`);
    // Whoever had rm_findings' rights has them on the new relations at once: `migrate`
    // grants TABLE_RIGHTS only after every migration committed, and the apps read the
    // view meanwhile.
    const grants = (await q.query(
      `SELECT grantee, privilege_type AS privilege FROM information_schema.role_table_grants
        WHERE table_schema = current_schema() AND table_name = 'rm_finding_rows'
          AND grantee NOT IN (current_user, 'PUBLIC')`,
    )) as { grantee: string; privilege: string }[];
    for (const { grantee, privilege } of grants) {
      const role = quoteIdentifier(grantee);
      await q.query(`GRANT ${privilege} ON rm_finding_details TO ${role}`);
      if (privilege === 'SELECT') await q.query(`GRANT SELECT ON rm_findings TO ${role}`);
    }
    await q.query('ANALYZE rm_finding_rows, rm_finding_details');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP VIEW rm_findings');
    await q.query('ALTER TABLE rm_finding_rows DROP CONSTRAINT rm_finding_rows_shared_detail');
    await q.query(`
      UPDATE rm_finding_rows r SET detail = d.detail FROM rm_finding_details d
       WHERE d.ledger_sequence = r.ledger_sequence AND d.code = r.code AND r.detail IS NULL`);
    await q.query('ALTER TABLE rm_finding_rows ALTER COLUMN detail SET NOT NULL');
    await q.query('DROP TABLE rm_finding_details');
    for (const event of ['insert', 'update', 'delete', 'truncate']) {
      await q.query(
        `ALTER TRIGGER rm_finding_rows_generation_${event} ON rm_finding_rows
         RENAME TO rm_findings_generation_${event}`,
      );
    }
    for (const index of ['pkey', 'study', 'vendor', 'code']) {
      await q.query(`ALTER INDEX rm_finding_rows_${index} RENAME TO rm_findings_${index}`);
    }
    await q.query('ALTER TABLE rm_finding_rows RENAME TO rm_findings');
  }
}
