import type { EntityManager } from 'typeorm';
import type { Queryable } from '../database/queryable';

export interface QuarantineItem {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  key: Buffer | null;
  value: Buffer | null;
}

export interface QuarantinedMessage extends QuarantineItem {
  id: number;
  receivedAt: Date;
}

/** Quarantined messages of one page, and whether more follow. */
export interface QuarantinePage {
  messages: QuarantinedMessage[];
  more: boolean;
}

/** A row of quarantined_messages as the reads select it (id and offset as text). */
interface QuarantineRow {
  id: string;
  topic: string;
  partition: number;
  kafka_offset: string;
  reason: string;
  raw_key: Buffer | null;
  raw_value: Buffer | null;
  received_at: Date;
}

function messageOf(r: QuarantineRow): QuarantinedMessage {
  return {
    id: Number(r.id),
    topic: r.topic,
    partition: r.partition,
    offset: r.kafka_offset,
    reason: r.reason,
    key: r.raw_key,
    value: r.raw_value,
    receivedAt: r.received_at,
  };
}

/** Refused messages with their reason, raw bytes and Kafka coordinates. Append-only. */
export class QuarantineStore {
  async add(manager: EntityManager, items: readonly QuarantineItem[]): Promise<void> {
    if (items.length === 0) return;
    await manager.query(
      `INSERT INTO quarantined_messages (topic, partition, kafka_offset, reason, raw_key, raw_value)
       SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::bytea[], $6::bytea[])
       ON CONFLICT (topic, partition, kafka_offset) DO NOTHING`,
      [
        items.map((i) => i.topic),
        items.map((i) => i.partition),
        items.map((i) => i.offset),
        items.map((i) => i.reason),
        items.map((i) => i.key),
        items.map((i) => i.value),
      ],
    );
  }

  /**
   * A keyset page, oldest first: up to `limit` rows with id > afterId, and no more than
   * `maxBytes` of raw key and value in all (the first row always, whatever its size, so a
   * client can page past it). `more` says whether rows follow the last one returned. The
   * running total is summed in SQL from the stored lengths, so the bytes of rows past the
   * cap are never read.
   */
  async page(
    db: Queryable,
    afterId: number,
    limit: number,
    maxBytes = Number.MAX_SAFE_INTEGER,
  ): Promise<QuarantinePage> {
    const rows = (await db.query(
      `SELECT id::text AS id, topic, partition, kafka_offset::text AS kafka_offset, reason, received_at,
              CASE WHEN within THEN raw_key END AS raw_key,
              CASE WHEN within THEN raw_value END AS raw_value,
              within
         FROM (SELECT m.id, m.topic, m.partition, m.kafka_offset, m.reason, m.received_at, m.raw_key, m.raw_value,
                      (row_number() OVER w = 1
                        OR sum(coalesce(octet_length(m.raw_key), 0) + coalesce(octet_length(m.raw_value), 0)) OVER w <= $3) AS within
                 FROM quarantined_messages m
                WHERE m.id > $1
               WINDOW w AS (ORDER BY m.id ROWS UNBOUNDED PRECEDING)
                ORDER BY m.id
                LIMIT $2) page
        ORDER BY page.id`,
      [afterId, limit + 1, maxBytes],
    )) as (QuarantineRow & { within: boolean })[];
    // Running totals only grow: the rows within the cap are a prefix.
    const messages = rows
      .filter((r) => r.within)
      .slice(0, limit)
      .map(messageOf);
    return { messages, more: rows.length > messages.length };
  }

  /**
   * Up to `limit` messages whose reason's category (the text before its first colon) is
   * `category`, with a value, ids in (afterId, lastId], oldest first: what a replay sends.
   * Ordered by the column, not the text alias of the select list ("10" before "9").
   */
  async ofCategory(
    db: Queryable,
    category: string,
    afterId: number,
    lastId: number,
    limit: number,
  ): Promise<QuarantinedMessage[]> {
    const rows = (await db.query(
      `SELECT id::text AS id, topic, partition, kafka_offset::text AS kafka_offset, reason,
              received_at, raw_key, raw_value
         FROM quarantined_messages
        WHERE id > $1 AND id <= $2 AND split_part(reason, ':', 1) = $3 AND raw_value IS NOT NULL
        ORDER BY quarantined_messages.id
        LIMIT $4`,
      [afterId, lastId, category, limit],
    )) as QuarantineRow[];
    return rows.map(messageOf);
  }

  /** Kept by a trigger of the table (history_counts, 1764119000000): no count of every row. */
  async count(db: Queryable): Promise<number> {
    const rows = (await db.query(
      `SELECT COALESCE((SELECT total FROM history_counts WHERE history = 'quarantined_messages'), 0)::int AS n`,
    )) as {
      n: number;
    }[];
    return rows[0].n;
  }
}
