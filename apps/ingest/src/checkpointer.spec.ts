import type { CheckpointStore } from '@scantrail/storage';
import { pino } from 'pino';
import { Checkpointer } from './checkpointer';

// CONTRACT 4: "A new checkpoint at least every CHECKPOINT_INTERVAL_S seconds while the log
// grows, and one covering the whole log within CHECKPOINT_INTERVAL_S after it stops
// growing." No test held the schedule. Here on fake timers, the log a counter, and signing
// taking `signMs` (a slow database): what is checked is when checkpoints are signed, in
// simulated seconds, so a loaded machine cannot make it flake.

const INTERVAL_S = 10;

/** A log that grows when told to, and a store that signs its size (after signMs) when it grew. */
function fakeLedger(signMs: number) {
  const ledger = { size: 0, signed: [] as { at: number; treeSize: number }[] };
  let lastSigned = -1;
  const store = {
    checkpointNow: async () => {
      const size = ledger.size;
      if (size <= lastSigned) return undefined;
      await new Promise((resolve) => setTimeout(resolve, signMs));
      lastSigned = size;
      ledger.signed.push({ at: Date.now(), treeSize: size });
      return { treeSize: size, rootHash: Buffer.alloc(32), note: '', createdAt: new Date() };
    },
  };
  return { ledger, store: store as unknown as CheckpointStore };
}

describe('Checkpointer (CONTRACT section 4)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it.each([0, 3_000])(
    'should sign at least every interval while the log grows, and cover the whole log within one after it stops (signing takes %i ms)',
    async (signMs) => {
      const { ledger, store } = fakeLedger(signMs);
      const checkpointer = new Checkpointer(store, INTERVAL_S, pino({ level: 'silent' }));
      checkpointer.start();
      // An entry every 700 ms for 60 s, then nothing for 30 s.
      for (let t = 0; t < 60_000; t += 700) {
        ledger.size += 1;
        await jest.advanceTimersByTimeAsync(700);
      }
      const stoppedAt = Date.now();
      const finalSize = ledger.size;
      await jest.advanceTimersByTimeAsync(30_000);

      const whileGrowing = ledger.signed.filter((c) => c.at <= stoppedAt).map((c) => c.at);
      const gaps = whileGrowing.slice(1).map((at, i) => at - whileGrowing[i]);
      expect(whileGrowing.length).toBeGreaterThanOrEqual(6);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(INTERVAL_S * 1000);
      const covering = ledger.signed.find((c) => c.treeSize === finalSize);
      expect(covering?.at).toBeLessThanOrEqual(stoppedAt + INTERVAL_S * 1000);
      // A quiet log is not signed again.
      expect(ledger.signed.filter((c) => c.at > stoppedAt + INTERVAL_S * 1000)).toEqual([]);
      await checkpointer.stop();
    },
  );
});
