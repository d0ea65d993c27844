import { createHash, randomBytes } from 'node:crypto';
import { decodeEventMessage, pseudonymizeEvent, subjectOf } from '@scantrail/contract';
import { demoEvents } from '@scantrail/demo';
import type { PendingEntry } from '@scantrail/storage';

/** Hands out ledger entries from one demo stream, a slice at a time. */
export interface DemoEntrySource {
  /** The next `count` entries of the stream (never seen before: no duplicates). */
  take(count: number): PendingEntry[];
}

/**
 * Ledger entries exactly as ingest builds them (decode, pseudonymize, subject, payload
 * digest) from the demo stream, so row shapes and leaf sizes are the real ones. Taken a
 * slice at a time, so a benchmark does not keep every entry of the run alive on its heap.
 */
export function demoEntrySource(total: number, seed = 20251125): DemoEntrySource {
  const key = randomBytes(32);
  // The stream holds a few percent of duplicates and invalid messages; ask for headroom.
  const messages = demoEvents({ events: Math.ceil(total * 1.1) + 1000, seed });
  let given = 0;
  return {
    take(count) {
      if (given + count > total)
        throw new Error(`asked for more than the ${total} entries planned`);
      const entries: PendingEntry[] = [];
      while (entries.length < count) {
        const next = messages.next();
        if (next.done) throw new Error(`the demo stream ran out after ${given + entries.length}`);
        const message = next.value;
        if (message.kind !== 'event') continue;
        const decoded = decodeEventMessage(message.value);
        if (!decoded.ok) throw new Error(`demo event refused: ${decoded.reason}`);
        const event = pseudonymizeEvent(decoded.event, key);
        entries.push({
          source: event.source,
          id: event.id,
          type: event.type,
          time: event.time,
          subject: subjectOf(event),
          data: event.data,
          payloadDigest: createHash('sha256').update(message.value).digest('hex'),
        });
      }
      given += count;
      return entries;
    },
  };
}
