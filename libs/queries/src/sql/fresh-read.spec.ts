import { FreshRead } from './fresh-read';

/** A read whose answers the test releases by hand, counting the reads started. */
function manualReads(): {
  read: () => Promise<number>;
  started: () => number;
  finish: (value: number | Error) => void;
} {
  const pending: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  let count = 0;
  return {
    read: () =>
      new Promise<number>((resolve, reject) => {
        count++;
        pending.push({ resolve, reject });
      }),
    started: () => count,
    finish: (value) => {
      const next = pending.shift();
      if (next === undefined) throw new Error('no read pending');
      if (value instanceof Error) next.reject(value);
      else next.resolve(value);
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FreshRead', () => {
  it('should give each caller a read that started after its call, shared by the callers that waited together', async () => {
    const reads = manualReads();
    const fresh = new FreshRead(reads.read);
    const first = fresh.get();
    expect(reads.started()).toBe(1);
    // Three callers during the first read: none may take it (it started before them).
    const waiting = [fresh.get(), fresh.get(), fresh.get()];
    expect(reads.started()).toBe(1);
    reads.finish(10);
    await expect(first).resolves.toBe(10);
    await tick();
    // One read started after them, shared by all three.
    expect(reads.started()).toBe(2);
    const late = fresh.get(); // during the second read: waits for a third
    reads.finish(11);
    await expect(Promise.all(waiting)).resolves.toEqual([11, 11, 11]);
    await tick();
    expect(reads.started()).toBe(3);
    reads.finish(12);
    await expect(late).resolves.toBe(12);
  });

  it('should fail only the callers of a failed read, and read again for the next', async () => {
    const reads = manualReads();
    const fresh = new FreshRead(reads.read);
    const failing = fresh.get();
    const waiting = fresh.get();
    reads.finish(new Error('connection lost'));
    await expect(failing).rejects.toThrow('connection lost');
    await tick();
    reads.finish(20);
    await expect(waiting).resolves.toBe(20);
    const after = fresh.get();
    expect(reads.started()).toBe(3);
    reads.finish(21);
    await expect(after).resolves.toBe(21);
  });
});
