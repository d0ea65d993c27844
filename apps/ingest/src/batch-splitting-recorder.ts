import type { ConsumedBatch } from '@scantrail/kafka';
import { databaseRefusalOf, rejectedByDatabaseReason } from '@scantrail/storage';
import type { BatchOutcome } from './batch-recorder';

/** What the splitting recorder needs of the recorder: a batch, or one message refused. */
export interface BatchTransactions {
  record(batch: ConsumedBatch): Promise<BatchOutcome>;
  quarantineOne(
    batch: ConsumedBatch,
    message: ConsumedBatch['messages'][number],
    reason: string,
  ): Promise<BatchOutcome>;
}

export interface BatchSplittingOptions {
  /** Called between the transactions of a split batch (e.g. a Kafka heartbeat). */
  between?: () => Promise<void>;
  /** Told of each message the database refused (for metrics and a log line). */
  onRefused?: (offset: string, reason: string) => void;
}

/**
 * The safety net behind validation: when PostgreSQL refuses a batch's data (a value out of
 * range, a constraint: something validation did not foresee), the batch is split in halves,
 * each recorded in its own transaction, until the refused message stands alone; it is then
 * quarantined with `rejected_by_database: <SQLSTATE> <message>`. Every other message is
 * recorded exactly once, as in any batch: each sub-batch commits its offsets with its rows.
 * Failures that are not about the data (connection, serialization, deadlock, shutdown)
 * propagate unchanged, for the consumer's retry with backoff.
 */
export class BatchSplittingRecorder {
  constructor(
    private readonly transactions: BatchTransactions,
    private readonly options: BatchSplittingOptions = {},
  ) {}

  async record(batch: ConsumedBatch): Promise<BatchOutcome> {
    try {
      return await this.transactions.record(batch);
    } catch (error) {
      const refusal = databaseRefusalOf(error);
      if (refusal === undefined) throw error;
      const reason = rejectedByDatabaseReason(refusal);
      if (batch.messages.length === 1) {
        const [message] = batch.messages;
        const outcome = await this.transactions.quarantineOne(batch, message, reason);
        if (outcome.quarantined.length > 0) this.options.onRefused?.(message.offset, reason);
        return outcome;
      }
      const half = Math.ceil(batch.messages.length / 2);
      await this.options.between?.();
      const first = await this.record({ ...batch, messages: batch.messages.slice(0, half) });
      await this.options.between?.();
      const second = await this.record({ ...batch, messages: batch.messages.slice(half) });
      return combine(first, second);
    }
  }
}

function combine(first: BatchOutcome, second: BatchOutcome): BatchOutcome {
  return {
    recorded: first.recorded + second.recorded,
    duplicates: first.duplicates + second.duplicates,
    quarantined: [...first.quarantined, ...second.quarantined],
    lastSequence: second.lastSequence ?? first.lastSequence,
    conflicts: [...(first.conflicts ?? []), ...(second.conflicts ?? [])],
    faults: [...(first.faults ?? []), ...(second.faults ?? [])],
    alreadyHandled: (first.alreadyHandled ?? 0) + (second.alreadyHandled ?? 0),
  };
}
