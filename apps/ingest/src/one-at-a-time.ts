/**
 * Runs the tasks given to it one after another, in the order they were given, whatever
 * their callers' concurrency: the batches of several partitions are decoded at once, but
 * their transactions take turns (they would append one at a time under the ledger lock
 * anyway), so a batch waiting for its turn holds no connection and no partition lock.
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The next task waits for this one to settle, whether it succeeded or failed.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * `map` over `items` in slices of `slice`, yielding to the event loop between slices, so
 * that the transaction in progress (another batch's) gets its replies from PostgreSQL
 * handled without waiting for a whole batch's decoding.
 */
export async function mapInSlices<T, R>(
  items: readonly T[],
  map: (item: T) => R,
  slice: number,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += slice) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const end = Math.min(items.length, i + slice);
    for (let j = i; j < end; j++) out.push(map(items[j]));
  }
  return out;
}
