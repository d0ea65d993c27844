import type { KafkaClient } from '@scantrail/kafka';
import type { DataSource } from 'typeorm';

/**
 * Reason categories whose messages can be recorded once our side changes: a fault of our
 * code (`unprocessable`), a value the database refused (`rejected_by_database`, after a
 * schema change), an entry too large (after a limit is raised). The others are the
 * producer's (not JSON, not a CloudEvent, a broken schema ...): sent again unchanged they
 * would only be refused again.
 */
export const REPLAYABLE = ['unprocessable', 'rejected_by_database', 'too_large'] as const;
export type ReplayableReason = (typeof REPLAYABLE)[number];

export function isReplayable(category: string): category is ReplayableReason {
  return (REPLAYABLE as readonly string[]).includes(category);
}

export interface ReplayOptions {
  /** The reason category to replay (the text before the first colon). */
  reason: ReplayableReason;
  /** Quarantine ids from and to (inclusive); default: all. */
  fromId?: number;
  toId?: number;
  /** Where to send them; default: each message's own topic. */
  topic?: string;
  /** Only list what would be sent. */
  dryRun: boolean;
}

export interface ReplayedMessage {
  id: number;
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  bytes: number;
}

interface Row {
  id: string;
  topic: string;
  partition: number;
  kafka_offset: string;
  reason: string;
  raw_key: Buffer | null;
  raw_value: Buffer | null;
}

const PAGE = 500;

/**
 * Sends quarantined messages of one reason category to Kafka again, key and value exactly
 * as received, oldest first, so that the ingest records them now that what refused them
 * has changed. Safe to repeat: the ledger keys events by (source, id), so a message
 * recorded by an earlier replay is a duplicate, recorded once. The quarantine keeps every
 * row (it is history); a message refused again is quarantined again at its new
 * coordinates. Messages without a value (tombstones) are not sent. Returns what was (or,
 * dry, would be) sent.
 */
export async function replayQuarantine(
  db: DataSource,
  kafka: KafkaClient,
  options: ReplayOptions,
  onMessage: (message: ReplayedMessage) => void = () => undefined,
): Promise<ReplayedMessage[]> {
  const sent: ReplayedMessage[] = [];
  const producer = options.dryRun ? undefined : await kafka.producer();
  try {
    let after = (options.fromId ?? 1) - 1;
    const last = options.toId ?? Number.MAX_SAFE_INTEGER;
    for (;;) {
      const rows = await db.query<Row[]>(
        `SELECT id::text AS id, topic, partition, kafka_offset::text AS kafka_offset, reason,
                raw_key, raw_value
           FROM quarantined_messages
          WHERE id > $1 AND id <= $2 AND split_part(reason, ':', 1) = $3
            AND raw_value IS NOT NULL
          ORDER BY id
          LIMIT $4`,
        [after, last, options.reason, PAGE],
      );
      if (rows.length === 0) break;
      const byTopic = new Map<string, { key: Buffer | null; value: Buffer }[]>();
      for (const r of rows) {
        const topic = options.topic ?? r.topic;
        const messages = byTopic.get(topic) ?? [];
        messages.push({ key: r.raw_key, value: r.raw_value as Buffer });
        byTopic.set(topic, messages);
      }
      for (const [topic, messages] of byTopic) await producer?.send(topic, messages);
      for (const r of rows) {
        const message = {
          id: Number(r.id),
          topic: r.topic,
          partition: r.partition,
          offset: r.kafka_offset,
          reason: r.reason,
          bytes: (r.raw_value as Buffer).length,
        };
        sent.push(message);
        onMessage(message);
      }
      after = Number(rows[rows.length - 1].id);
      if (rows.length < PAGE) break;
    }
  } finally {
    await producer?.disconnect();
  }
  return sent;
}
