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

  /** A keyset page, oldest first: rows with id > afterId. */
  async page(db: Queryable, afterId: number, limit: number): Promise<QuarantinedMessage[]> {
    const rows = (await db.query(
      `SELECT id::text AS id, topic, partition, kafka_offset::text AS kafka_offset, reason, raw_key, raw_value, received_at
         FROM quarantined_messages WHERE id > $1 ORDER BY quarantined_messages.id LIMIT $2`,
      [afterId, limit],
    )) as {
      id: string;
      topic: string;
      partition: number;
      kafka_offset: string;
      reason: string;
      raw_key: Buffer | null;
      raw_value: Buffer | null;
      received_at: Date;
    }[];
    return rows.map((r) => ({
      id: Number(r.id),
      topic: r.topic,
      partition: r.partition,
      offset: r.kafka_offset,
      reason: r.reason,
      key: r.raw_key,
      value: r.raw_value,
      receivedAt: r.received_at,
    }));
  }

  async count(db: Queryable): Promise<number> {
    const rows = (await db.query('SELECT count(*)::int AS n FROM quarantined_messages')) as {
      n: number;
    }[];
    return rows[0].n;
  }
}
