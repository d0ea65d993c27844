import type { EntityManager } from 'typeorm';
import type { Queryable } from '../database/queryable';

/** A message dropped because its (source, id) was recorded with other content. */
export interface DuplicateConflictItem {
  topic: string;
  partition: number;
  offset: string;
  /** Its event's source and id as the ledger stores them (the id pseudonymized if it was a patient's). */
  source: string;
  eventId: string;
  eventType: string;
  /** The `time` the refused copy claimed, as sent. */
  eventTime: string;
  /**
   * The ledger entry recorded under that (source, id), which stays; null when the copy kept
   * was an earlier message of the same batch that was not recorded either (too large).
   */
  recordedSequence: number | null;
  /** SHA-256 (hex) of the refused message's value as received. */
  payloadDigest: string;
}

export interface KeptDuplicateConflict extends DuplicateConflictItem {
  id: number;
  detectedAt: Date;
}

/** Conflicts of one page, oldest first, and whether more follow. */
export interface DuplicateConflictPage {
  conflicts: KeptDuplicateConflict[];
  more: boolean;
}

interface Row {
  id: string;
  topic: string;
  partition: number;
  kafka_offset: string;
  source: string;
  event_id: string;
  event_type: string;
  event_time: string;
  recorded_sequence: string | null;
  payload_digest: string;
  detected_at: Date;
}

/**
 * Re-used event ids the ingest refused (migration 1764112500000): written in the batch's
 * transaction with its offsets, so each refused message is kept once. Append-only.
 */
export class DuplicateConflictStore {
  async add(manager: EntityManager, items: readonly DuplicateConflictItem[]): Promise<void> {
    if (items.length === 0) return;
    await manager.query(
      `INSERT INTO ingest_duplicate_conflicts
         (topic, partition, kafka_offset, source, event_id, event_type, event_time,
          recorded_sequence, payload_digest)
       SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[],
                            $6::text[], $7::text[], $8::bigint[], $9::text[])
       ON CONFLICT (topic, partition, kafka_offset) DO NOTHING`,
      [
        items.map((i) => i.topic),
        items.map((i) => i.partition),
        items.map((i) => i.offset),
        items.map((i) => i.source),
        items.map((i) => i.eventId),
        items.map((i) => i.eventType),
        items.map((i) => i.eventTime),
        items.map((i) => i.recordedSequence),
        items.map((i) => i.payloadDigest),
      ],
    );
  }

  /**
   * A keyset page, oldest first: up to `limit` rows with id > afterId. Ordered by the column:
   * `ORDER BY id` would take the text alias of the select list ("10" before "9") and skip rows.
   */
  async page(db: Queryable, afterId: number, limit: number): Promise<DuplicateConflictPage> {
    const rows = (await db.query(
      `SELECT id::text AS id, topic, partition, kafka_offset::text AS kafka_offset, source,
              event_id, event_type, event_time, recorded_sequence::text AS recorded_sequence,
              payload_digest, detected_at
         FROM ingest_duplicate_conflicts
        WHERE id > $1
        ORDER BY ingest_duplicate_conflicts.id
        LIMIT $2`,
      [afterId, limit + 1],
    )) as Row[];
    return {
      conflicts: rows.slice(0, limit).map((r) => ({
        id: Number(r.id),
        topic: r.topic,
        partition: r.partition,
        offset: r.kafka_offset,
        source: r.source,
        eventId: r.event_id,
        eventType: r.event_type,
        eventTime: r.event_time,
        recordedSequence: r.recorded_sequence === null ? null : Number(r.recorded_sequence),
        payloadDigest: r.payload_digest,
        detectedAt: r.detected_at,
      })),
      more: rows.length > limit,
    };
  }

  /** How many are kept. */
  /** Kept by a trigger of the table (history_counts, 1764119000000): no count of every row. */
  async count(db: Queryable): Promise<number> {
    const rows = (await db.query(
      `SELECT COALESCE((SELECT total FROM history_counts WHERE history = 'ingest_duplicate_conflicts'), 0)::int AS n`,
    )) as {
      n: number;
    }[];
    return rows[0].n;
  }
}
