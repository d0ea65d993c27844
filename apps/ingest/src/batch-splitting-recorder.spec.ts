import type { ConsumedBatch, ConsumedMessage } from '@scantrail/kafka';
import type { BatchOutcome } from './batch-recorder';
import { BatchSplittingRecorder, type BatchTransactions } from './batch-splitting-recorder';

const refused = (code: string): Error =>
  Object.assign(new Error(`refused by "no_bad" with value "secret"`), { code });

/** Transactions over an in-memory log: a batch holding a "bad" value fails whole. */
class InMemoryTransactions implements BatchTransactions {
  recorded: string[] = [];
  quarantined: { offset: string; reason: string }[] = [];
  transactions = 0;

  constructor(private readonly failure: (values: string[]) => Error | undefined) {}

  record(batch: ConsumedBatch): Promise<BatchOutcome> {
    this.transactions += 1;
    const values = batch.messages.map((m) => m.value?.toString() ?? '');
    const error = this.failure(values);
    if (error) return Promise.reject(error);
    this.recorded.push(...values);
    // A value our own code fails on: quarantined by the batch, its fault told (as BatchRecorder does).
    const faults = batch.messages
      .filter((m) => m.value?.toString() === 'FAULT')
      .map((m) => ({ partition: 0, offset: m.offset, fault: { type: 'TypeError', frames: [] } }));
    return Promise.resolve({ ...outcome(values.length, []), faults });
  }

  quarantineOne(_b: ConsumedBatch, message: ConsumedMessage, reason: string) {
    this.transactions += 1;
    this.quarantined.push({ offset: message.offset, reason });
    return Promise.resolve(outcome(0, [message.offset]));
  }
}

function outcome(recorded: number, quarantinedOffsets: string[]): BatchOutcome {
  return {
    recorded,
    duplicates: 0,
    quarantined: quarantinedOffsets.map((offset) => ({
      topic: 't',
      partition: 0,
      offset,
      reason: 'r',
      key: null,
      value: null,
    })),
  };
}

function batchOf(values: string[]): ConsumedBatch {
  return {
    topic: 't',
    partition: 0,
    messages: values.map((v, i) => ({
      offset: String(i),
      key: null,
      value: Buffer.from(v),
      timestamp: '0',
      headerCount: 0,
    })),
  };
}

describe('BatchSplittingRecorder', () => {
  it.each([
    [['a', 'BAD', 'c', 'd', 'e', 'f', 'g'], ['1']],
    [
      ['BAD', 'b', 'c', 'BAD', 'e', 'f', 'g', 'BAD'],
      ['0', '3', '7'],
    ],
    [['BAD'], ['0']],
    [['a', 'b', 'c'], []],
  ])(
    'should quarantine exactly the refused messages and record the rest once when given %j',
    async (values, refusedOffsets) => {
      const tx = new InMemoryTransactions((vs) =>
        vs.includes('BAD') ? refused('23514') : undefined,
      );
      const result = await new BatchSplittingRecorder(tx).record(batchOf(values));
      expect(tx.quarantined.map((q) => q.offset)).toEqual(refusedOffsets);
      expect(tx.recorded).toEqual(values.filter((v) => v !== 'BAD'));
      expect(result.recorded).toBe(values.length - refusedOffsets.length);
      expect(result.quarantined.map((q) => q.offset)).toEqual(refusedOffsets);
    },
  );

  it('should give the SQLSTATE and the message without values when it quarantines', async () => {
    const tx = new InMemoryTransactions((vs) =>
      vs.includes('BAD') ? refused('22008') : undefined,
    );
    await new BatchSplittingRecorder(tx).record(batchOf(['BAD']));
    expect(tx.quarantined[0].reason).toBe(
      'rejected_by_database: 22008 refused by "…" with value "…"',
    );
  });

  it('should take about 2 log2(n) transactions when one message of n is refused', async () => {
    const values = Array.from({ length: 1024 }, (_, i) => (i === 700 ? 'BAD' : `v${i}`));
    const tx = new InMemoryTransactions((vs) =>
      vs.includes('BAD') ? refused('54000') : undefined,
    );
    await new BatchSplittingRecorder(tx).record(batchOf(values));
    expect(tx.transactions).toBeLessThanOrEqual(2 * 10 + 2);
  });

  it.each(['40001', '40P01', '08006', '57P01', 'ECONNRESET'])(
    'should rethrow without splitting when the failure is %s',
    async (code) => {
      const error = refused(code);
      const tx = new InMemoryTransactions(() => error);
      await expect(new BatchSplittingRecorder(tx).record(batchOf(['a', 'b']))).rejects.toBe(error);
      expect(tx.transactions).toBe(1);
      expect(tx.quarantined).toEqual([]);
    },
  );

  it('should keep the faults of every half when it splits', async () => {
    const tx = new InMemoryTransactions((vs) =>
      vs.includes('BAD') ? refused('23514') : undefined,
    );
    const result = await new BatchSplittingRecorder(tx).record(
      batchOf(['FAULT', 'b', 'BAD', 'd', 'e', 'FAULT', 'g']),
    );
    expect(result.faults?.map((f) => f.offset)).toEqual(['0', '5']);
  });

  it('should call between before each half when it splits', async () => {
    const tx = new InMemoryTransactions((vs) =>
      vs.includes('BAD') ? refused('22P02') : undefined,
    );
    let calls = 0;
    await new BatchSplittingRecorder(tx, {
      between: () => {
        calls += 1;
        return Promise.resolve();
      },
    }).record(batchOf(['a', 'BAD']));
    expect(calls).toBe(2);
  });
});
