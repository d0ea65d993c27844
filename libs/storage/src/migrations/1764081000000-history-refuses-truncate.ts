import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The quarantine and the access log are history like the ledger: they already refuse
 * UPDATE and DELETE row by row; TRUNCATE skips row triggers, so it is refused here by a
 * statement trigger, even to the owner.
 */
export class HistoryRefusesTruncate1764081000000 implements MigrationInterface {
  name = 'HistoryRefusesTruncate1764081000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['quarantined_messages', 'access_log']) {
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION scantrail_refuse_change()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER access_log_no_truncate ON access_log');
    await q.query('DROP TRIGGER quarantined_messages_no_truncate ON quarantined_messages');
  }
}
