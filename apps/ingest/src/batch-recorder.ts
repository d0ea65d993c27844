import { createHash } from 'node:crypto';
import { decodeEventMessage, pseudonymizeEvent, subjectOf } from '@scantrail/contract';
import type { ConsumedBatch } from '@scantrail/kafka';
import {
  appendBatch,
  OffsetStore,
  QuarantineStore,
  type LedgerLog,
  type LedgerProjection,
  type PendingEntry,
  type QuarantineItem,
} from '@scantrail/storage';
import type { DataSource } from 'typeorm';

export interface BatchOutcome {
  recorded: number;
  duplicates: number;
  quarantined: QuarantineItem[];
  /** Messages skipped because an earlier transaction already processed their offsets. */
  alreadyProcessed: number;
  /** Last ledger sequence written, if any. */
  lastSequence?: number;
}

/**
 * Turns one Kafka batch into ledger entries, read-model rows, quarantine rows and the
 * partition's next offset, all in ONE PostgreSQL transaction: either all of it happened
 * or none of it did, so a crash anywhere replays the batch with the same effect.
 */
export class BatchRecorder {
  private readonly quarantine = new QuarantineStore();

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: LedgerLog,
    private readonly offsets: OffsetStore,
    private readonly projection: LedgerProjection,
    private readonly pseudonymKey: Buffer,
    private readonly maxEventBytes?: number,
  ) {}

  record(batch: ConsumedBatch): Promise<BatchOutcome> {
    return this.dataSource.transaction('READ COMMITTED', async (manager) => {
      const next = await this.offsets.lockPartition(manager, batch.partition);
      const fresh = batch.messages.filter((m) => BigInt(m.offset) >= next);
      const outcome: BatchOutcome = {
        recorded: 0,
        duplicates: 0,
        quarantined: [],
        alreadyProcessed: batch.messages.length - fresh.length,
      };
      if (fresh.length === 0) return outcome;

      const pending: PendingEntry[] = [];
      for (const message of fresh) {
        const decoded = decodeEventMessage(message.value, { maxBytes: this.maxEventBytes });
        if (!decoded.ok) {
          outcome.quarantined.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            reason: decoded.reason,
            key: message.key,
            value: message.value,
          });
          continue;
        }
        const event = pseudonymizeEvent(decoded.event, this.pseudonymKey);
        pending.push({
          source: event.source,
          id: event.id,
          type: event.type,
          time: event.time,
          subject: subjectOf(event),
          data: event.data,
          payloadDigest: createHash('sha256')
            .update(message.value ?? Buffer.alloc(0))
            .digest('hex'),
        });
      }

      const { appended, duplicates } = await appendBatch(manager, this.log, pending);
      await this.projection.project(manager, appended);
      await this.quarantine.add(manager, outcome.quarantined);
      const last = fresh[fresh.length - 1];
      await this.offsets.store(manager, batch.partition, BigInt(last.offset) + 1n);
      outcome.recorded = appended.length;
      outcome.duplicates = duplicates;
      outcome.lastSequence = appended.at(-1)?.sequence;
      return outcome;
    });
  }
}
