import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Re-used event ids, kept (history, like the quarantine): a message whose (source, id) the
 * ledger already holds with other content is dropped as every duplicate is (CONTRACT section
 * 1), and one row here says so, in the batch's transaction: where it came from (Kafka
 * coordinates, unique, so a redelivered batch adds nothing), which recorded entry it would
 * have rewritten (NULL when the copy kept was an earlier message of the same batch that the
 * ledger refused too), and the SHA-256 of the bytes refused. Not the bytes: a conflicting copy
 * of an event may carry patient identifiers in clear. An auditor reads this to see that a
 * rewrite of history was attempted and refused.
 */
export class DuplicateConflicts1764112500000 implements MigrationInterface {
  name = 'DuplicateConflicts1764112500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ingest_duplicate_conflicts (
        id                bigserial   PRIMARY KEY,
        topic             text        NOT NULL,
        partition         int         NOT NULL,
        kafka_offset      bigint      NOT NULL,
        source            text        NOT NULL,
        event_id          text        NOT NULL,
        event_type        text        NOT NULL,
        event_time        text        NOT NULL,
        recorded_sequence bigint,
        payload_digest    text        NOT NULL,
        detected_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ingest_duplicate_conflicts_coordinates UNIQUE (topic, partition, kafka_offset)
      )`);
    await q.query(`
      CREATE TRIGGER ingest_duplicate_conflicts_append_only
      BEFORE UPDATE OR DELETE ON ingest_duplicate_conflicts
      FOR EACH ROW EXECUTE FUNCTION scantrail_refuse_change()`);
    await q.query(`
      CREATE TRIGGER ingest_duplicate_conflicts_no_truncate
      BEFORE TRUNCATE ON ingest_duplicate_conflicts
      FOR EACH STATEMENT EXECUTE FUNCTION scantrail_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ingest_duplicate_conflicts');
  }
}
