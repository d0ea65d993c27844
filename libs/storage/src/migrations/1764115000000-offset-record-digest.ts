import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each partition's stored position also names the record just before it: the SHA-256 of
 * that record's timestamp, key and value (recordDigest in libs/kafka), written with the
 * position in the batch's transaction. On assignment the ingest reads that record again: a
 * different one means the topic was deleted and created again, and its log grew past the
 * stored position (KafkaJS 2.2.4 sees no topic ids), so the partition is read again from its
 * earliest offset instead of skipping what the new log holds below it. NULL: not known yet
 * (rows from before this migration, a position just moved by a reset), nothing to check.
 */
export class OffsetRecordDigest1764115000000 implements MigrationInterface {
  name = 'OffsetRecordDigest1764115000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE ingest_offsets ADD COLUMN last_record_digest text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE ingest_offsets DROP COLUMN last_record_digest');
  }
}
