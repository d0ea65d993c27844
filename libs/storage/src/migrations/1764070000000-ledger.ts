import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger: entries, stored Merkle subtree hashes (tlog layout) and signed checkpoints.
 * All three are append-only: triggers refuse UPDATE, DELETE and TRUNCATE. The sequencer
 * takes a transaction-level advisory lock instead of updating a head row, so no ledger
 * row ever needs to change.
 */
export class Ledger1764070000000 implements MigrationInterface {
  name = 'Ledger1764070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_entries (
        sequence     bigint      PRIMARY KEY CHECK (sequence >= 0),
        source       text        NOT NULL,
        event_id     text        NOT NULL,
        type         text        NOT NULL,
        time         text        NOT NULL,
        occurred_at  timestamptz NOT NULL,
        subject      text        NOT NULL,
        leaf_data    text        NOT NULL,
        leaf_hash    bytea       NOT NULL CHECK (length(leaf_hash) = 32),
        chain_hash   bytea       NOT NULL CHECK (length(chain_hash) = 32),
        recorded_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ledger_entries_source_id UNIQUE (source, event_id)
      )`);
    await q.query(`
      CREATE TABLE ledger_hashes (
        idx   bigint PRIMARY KEY CHECK (idx >= 0),
        hash  bytea  NOT NULL CHECK (length(hash) = 32)
      )`);
    await q.query(`
      CREATE TABLE ledger_checkpoints (
        tree_size   bigint      PRIMARY KEY CHECK (tree_size >= 0),
        root_hash   bytea       NOT NULL CHECK (length(root_hash) = 32),
        note        text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION scantrail_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'scantrail ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['ledger_entries', 'ledger_hashes', 'ledger_checkpoints']) {
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION scantrail_refuse_change()`);
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION scantrail_refuse_change()`);
    }

    // Ingest bookkeeping: consumed offsets (written in the same transaction as the ledger
    // rows) and the quarantine of refused messages.
    await q.query(`
      CREATE TABLE ingest_offsets (
        group_id     text   NOT NULL,
        topic        text   NOT NULL,
        partition    int    NOT NULL,
        next_offset  bigint NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, topic, partition)
      )`);
    await q.query(`
      CREATE TABLE quarantined_messages (
        id           bigserial   PRIMARY KEY,
        topic        text        NOT NULL,
        partition    int         NOT NULL,
        kafka_offset bigint      NOT NULL,
        reason       text        NOT NULL,
        raw_key      bytea,
        raw_value    bytea,
        received_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT quarantined_messages_coordinates UNIQUE (topic, partition, kafka_offset)
      )`);
    await q.query(`
      CREATE TRIGGER quarantined_messages_append_only BEFORE UPDATE OR DELETE ON quarantined_messages
      FOR EACH ROW EXECUTE FUNCTION scantrail_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE quarantined_messages, ingest_offsets');
    await q.query('DROP TABLE ledger_checkpoints, ledger_hashes, ledger_entries');
    await q.query('DROP FUNCTION scantrail_refuse_change()');
  }
}
