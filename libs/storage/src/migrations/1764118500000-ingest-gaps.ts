import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The key of ingest_gaps' appends in APPEND_ORDER_LOCK_CLASS (quarantine 1, re-used ids 2). */
export const INGEST_GAPS_APPEND_KEY = 3;

/**
 * What Kafka no longer held when the ingest came to read it, kept for good rather than in a
 * log line and a process's memory: messages deleted before they were read (MESSAGES_LOST:
 * offsets from_offset to to_offset - 1 of the partition, `lost` of them, never in the
 * ledger) and stored positions moved because the log was not the one read (POSITION_RESET:
 * the topic created again, or its log truncated). One row per move of a stored position,
 * written by the statement that moves it (OffsetStore.movePosition: a compare-and-set of
 * ingest_offsets), so a loss is kept exactly once whoever notices it and however often, and
 * a crash before the commit keeps neither. History: the apps' role may add rows, never change
 * or remove them (triggers refuse even the owner); the API reads them (ingestGaps). Offsets
 * and counts only: no event content.
 */
export class IngestGaps1764118500000 implements MigrationInterface {
  name = 'IngestGaps1764118500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ingest_gaps (
        id              bigserial   PRIMARY KEY,
        group_id        text        NOT NULL,
        topic           text        NOT NULL,
        partition       int         NOT NULL CHECK (partition >= 0),
        kind            text        NOT NULL CHECK (kind IN ('MESSAGES_LOST', 'POSITION_RESET')),
        cause           text        NOT NULL
          CHECK (cause IN ('deleted_unread', 'log_end_before_position', 'record_changed')),
        from_offset     bigint      NOT NULL CHECK (from_offset >= 0),
        to_offset       bigint      NOT NULL CHECK (to_offset >= 0),
        lost            bigint      NOT NULL CHECK (lost >= 0),
        earliest_offset bigint      NOT NULL,
        high_watermark  bigint      NOT NULL,
        noticed_at      timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'MESSAGES_LOST') = (cause = 'deleted_unread')),
        CHECK (kind <> 'MESSAGES_LOST' OR (lost = to_offset - from_offset AND lost > 0))
      )`);
    // /health asks for the losses of its group and topic noticed lately.
    await q.query(
      `CREATE INDEX ingest_gaps_losses ON ingest_gaps (group_id, topic, noticed_at)
        WHERE kind = 'MESSAGES_LOST'`,
    );
    await q.query(`
      CREATE TRIGGER ingest_gaps_append_only BEFORE UPDATE OR DELETE ON ingest_gaps
      FOR EACH ROW EXECUTE FUNCTION scantrail_refuse_change()`);
    await q.query(`
      CREATE TRIGGER ingest_gaps_no_truncate BEFORE TRUNCATE ON ingest_gaps
      FOR EACH STATEMENT EXECUTE FUNCTION scantrail_refuse_change()`);
    // Read newest first by id in keyset pages: ids become visible in their order (migration
    // 1764113000000), so a row committed later never lands behind a reader's cursor.
    await q.query(`
      CREATE TRIGGER ingest_gaps_append_in_order BEFORE INSERT ON ingest_gaps
      FOR EACH STATEMENT EXECUTE FUNCTION scantrail_append_in_order('${INGEST_GAPS_APPEND_KEY}')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ingest_gaps');
  }
}
