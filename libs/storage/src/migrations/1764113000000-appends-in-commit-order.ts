import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Advisory lock class of the history tables' appends (the ledger's is 0x5c7a, findings' 0x5c7b). */
export const APPEND_ORDER_LOCK_CLASS = 0x5c7c;

/**
 * How long an append waits for the one before it to commit. Appends hold the lock for
 * milliseconds; a session that appended and then sat idle in its transaction (any holder of
 * the apps' credentials can) would otherwise hold back every later append for as long as it
 * likes: after this wait the append fails (SQLSTATE 55P03, lock_not_available) and its
 * writer retries (the ingest's batch) or answers with an error (a lookup is not answered
 * without its access-log record), instead of hanging.
 */
export const APPEND_ORDER_WAIT = '10s';

/**
 * The ingest's history tables read by keyset pages (`WHERE id > cursor ORDER BY id`), each
 * with its key of APPEND_ORDER_LOCK_CLASS: the quarantine and the re-used event ids. Their
 * writer is the apps' role (ingest, CLI), which takes the ledger's lock anyway.
 *
 * Not the access log: its writer is the API's role, which is refused every advisory lock so
 * that whoever holds the API's credentials cannot hold back a writer (embedded-roles.ts).
 * With this trigger, such a session could append one record and sit in its transaction,
 * and every patient lookup of every API replica would fail after the wait below. One API
 * process writes its records one group at a time, so its ids commit in order; with several
 * replicas a page by id read while two of their groups commit may pass a record that a later
 * read shows: its reader pages in commit order instead (migration 1764114000000).
 */
export const APPEND_ORDERED_TABLES = [
  ['quarantined_messages', 1],
  ['ingest_duplicate_conflicts', 2],
] as const;

/**
 * Rows of the ingest's history tables become visible in the order of their ids. A bigserial
 * id is taken when a row is inserted, but rows become visible when their transaction
 * commits, and two writers (two ingest instances; a refused message quarantined in its own
 * transaction beside another partition's batch) can commit in the other order: a reader that
 * had paged past id 8 would never see the id 7 committed after it, so an operator's export of
 * the quarantine, paged to its end, could miss a message for good.
 *
 * A statement trigger takes a transaction-level advisory lock per table before any row of
 * an INSERT (or COPY) is made, so its ids are drawn only after every earlier writer of the
 * table committed (PostgreSQL makes a transaction visible before it releases its locks) and
 * nobody else draws ids until this one ends: ids and visibility go in the same order. The
 * trigger covers every writer of the table; the lock is held from a transaction's first
 * append to its end (a batch's last statements: the ingest appends the ledger under its own
 * lock first, then the quarantine, then the re-used ids, always in that order).
 */
export class AppendsInCommitOrder1764113000000 implements MigrationInterface {
  name = 'AppendsInCommitOrder1764113000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION scantrail_append_in_order() RETURNS trigger LANGUAGE plpgsql
      SET search_path = pg_catalog, pg_temp SET lock_timeout = '${APPEND_ORDER_WAIT}' AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(${APPEND_ORDER_LOCK_CLASS}, TG_ARGV[0]::int);
        RETURN NULL;
      END $$`);
    for (const [table, key] of APPEND_ORDERED_TABLES) {
      await q.query(`
        CREATE TRIGGER ${table}_append_in_order BEFORE INSERT ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION scantrail_append_in_order('${key}')`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table] of APPEND_ORDERED_TABLES) {
      await q.query(`DROP TRIGGER ${table}_append_in_order ON ${table}`);
    }
    await q.query('DROP FUNCTION scantrail_append_in_order()');
  }
}
