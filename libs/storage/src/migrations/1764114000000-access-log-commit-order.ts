import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access log read in commit order without a lock. Its writer, the API's role, takes no
 * advisory lock (1764113000000 says why), so two API replicas may commit their groups in the
 * other order than their ids: a reader paging by id would pass a record that appears behind
 * its cursor later, and never see it.
 *
 * Each row now keeps its writer's transaction id (`xid8`, never wrapping), and readers page in
 * (xid, id) order, serving only rows of transactions that no still-running transaction of the
 * database precedes (libs/access `AccessLogService.page`): a transaction id is taken when a
 * transaction first writes, from one counter, so every record still to come has an id at or
 * above the oldest still running, and sorts after whatever a page served. No lock, no new
 * right, nothing more per insert than a column default.
 *
 * Rows already there get 0 (a constant default, which fills the column without rewriting the
 * table): they sort before every transaction's, in their id order, which was the order an
 * existing cursor followed. Only then does the default become the inserting transaction's id.
 */
export class AccessLogCommitOrder1764114000000 implements MigrationInterface {
  name = 'AccessLogCommitOrder1764114000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_log ADD COLUMN xid xid8 NOT NULL DEFAULT '0'`);
    await q.query('ALTER TABLE access_log ALTER COLUMN xid SET DEFAULT pg_current_xact_id()');
    await q.query('CREATE INDEX access_log_commit_order ON access_log (xid, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX access_log_commit_order');
    await q.query('ALTER TABLE access_log DROP COLUMN xid');
  }
}
