import type { KafkaClient } from '@scantrail/kafka';
import { QuarantineStore, type Queryable } from '@scantrail/storage';

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
  db: Queryable,
  kafka: KafkaClient,
  options: ReplayOptions,
  onMessage: (message: ReplayedMessage) => void = () => undefined,
): Promise<ReplayedMessage[]> {
  const sent: ReplayedMessage[] = [];
  const quarantine = new QuarantineStore();
  const producer = options.dryRun ? undefined : await kafka.producer();
  try {
    let after = (options.fromId ?? 1) - 1;
    const last = options.toId ?? Number.MAX_SAFE_INTEGER;
    for (;;) {
      const page = await quarantine.ofCategory(db, options.reason, after, last, PAGE);
      if (page.length === 0) break;
      const byTopic = new Map<string, { key: Buffer | null; value: Buffer | null }[]>();
      for (const m of page) {
        const topic = options.topic ?? m.topic;
        const messages = byTopic.get(topic) ?? [];
        messages.push({ key: m.key, value: m.value });
        byTopic.set(topic, messages);
      }
      for (const [topic, messages] of byTopic) await producer?.send(topic, messages);
      for (const m of page) {
        const message = {
          id: m.id,
          topic: m.topic,
          partition: m.partition,
          offset: m.offset,
          reason: m.reason,
          bytes: m.value?.length ?? 0,
        };
        sent.push(message);
        onMessage(message);
      }
      after = page[page.length - 1].id;
      if (page.length < PAGE) break;
    }
  } finally {
    await producer?.disconnect();
  }
  return sent;
}
