import { randomBytes } from 'node:crypto';
import { demoEvents, type DemoMessage } from '@scantrail/demo';
import type { ConsumedMessage } from '@scantrail/kafka';
import { LineageProjection } from '@scantrail/projection';
import { LedgerLog, OffsetStore, type PendingEntry } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { BatchRecorder } from '../../apps/ingest/src/batch-recorder';
import { pendingEntryOf } from '../../apps/ingest/src/pending-entry';

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
        const prepared = pendingEntryOf(message.value, key);
        if ('reason' in prepared) throw new Error(`demo event refused: ${prepared.reason}`);
        entries.push(prepared.entry);
      }
      given += count;
      return entries;
    },
  };
}

/** A demo message as the Kafka consumer hands it to the batch recorder, at `offset`. */
export function consumedMessage(message: DemoMessage, offset: number): ConsumedMessage {
  return {
    offset: String(offset),
    key: Buffer.from(message.key),
    value: message.value,
    timestamp: String(Date.now()),
    headerCount: 0,
  };
}

/**
 * The ingest's own batch recorder over `db`, for a benchmark that records without Kafka
 * (its offsets kept under `group` and `topic`).
 */
export function benchRecorder(
  db: DataSource,
  options: { origin: string; group: string; topic: string; pseudonymKey: Buffer },
): BatchRecorder {
  return new BatchRecorder(
    db,
    new LedgerLog(options.origin),
    new OffsetStore(options.group, options.topic),
    new LineageProjection(),
    options.pseudonymKey,
  );
}
