import { GroupCommit } from './group-commit';

/** Writes the test finishes by hand, remembering the items of each. */
function manualWrites(): {
  write: (items: string[]) => Promise<void>;
  groups: string[][];
  finish: (outcome?: Error) => void;
} {
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const groups: string[][] = [];
  return {
    write: (items) =>
      new Promise<void>((resolve, reject) => {
        groups.push(items);
        pending.push({ resolve, reject });
      }),
    groups,
    finish: (outcome) => {
      const next = pending.shift();
      if (next === undefined) throw new Error('no write pending');
      if (outcome === undefined) next.resolve();
      else next.reject(outcome);
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Each promise's state after the pending callbacks ran. */
async function states(promises: Promise<void>[]): Promise<string[]> {
  const seen = promises.map(() => 'pending');
  promises.forEach((p, i) => {
    p.then(
      () => (seen[i] = 'done'),
      (e: Error) => (seen[i] = `failed: ${e.message}`),
    );
  });
  await tick();
  return seen;
}

describe('GroupCommit', () => {
  it('should write the items submitted while a write is in flight together in the next write, and settle each caller after its own write', async () => {
    const writes = manualWrites();
    const group = new GroupCommit(writes.write, 10);
    const first = group.submit('a');
    await tick();
    const later = ['b', 'c', 'd'].map((x) => group.submit(x));
    await tick();
    expect(writes.groups).toEqual([['a']]);
    expect(await states([first, ...later])).toEqual(['pending', 'pending', 'pending', 'pending']);

    writes.finish();
    expect(await states([first, ...later])).toEqual(['done', 'pending', 'pending', 'pending']);
    expect(writes.groups).toEqual([['a'], ['b', 'c', 'd']]);

    writes.finish();
    expect(await states(later)).toEqual(['done', 'done', 'done']);
    const after = group.submit('e');
    await tick();
    expect(writes.groups).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
    writes.finish();
    await after;
  });

  it('should fail every caller of a group whose write failed, and write the next group anyway', async () => {
    const writes = manualWrites();
    const group = new GroupCommit(writes.write, 10);
    const first = group.submit('a');
    await tick();
    const failing = ['b', 'c'].map((x) => group.submit(x));
    await tick();
    writes.finish();
    await first;
    const next = group.submit('d');
    writes.finish(new Error('insert refused'));
    expect(await states([...failing, next])).toEqual([
      'failed: insert refused',
      'failed: insert refused',
      'pending',
    ]);
    expect(writes.groups).toEqual([['a'], ['b', 'c'], ['d']]);
    writes.finish();
    expect(await states([next])).toEqual(['done']);
  });

  it('should write at most maxGroup items at once, the rest in the writes after, in order', async () => {
    const writes = manualWrites();
    const group = new GroupCommit(writes.write, 2);
    const all = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => group.submit(x));
    await tick();
    for (let i = 0; i < 4; i++) {
      writes.finish();
      await tick();
    }
    expect(await states(all)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
    expect(writes.groups).toEqual([['a'], ['b', 'c'], ['d', 'e'], ['f']]);
  });

  it('should fail the callers of a write that throws before returning a promise', async () => {
    const group = new GroupCommit<string>(() => {
      throw new Error('no connection');
    }, 4);
    await expect(group.submit('a')).rejects.toThrow('no connection');
    await expect(group.submit('b')).rejects.toThrow('no connection');
  });

  describe('a group that fails for one item', () => {
    /** A database that refuses any write holding 'bad', with a code the caller can read. */
    const refusing = (writes: string[][]) => (items: string[]) => {
      writes.push(items);
      return items.includes('bad')
        ? Promise.reject(Object.assign(new Error('invalid input'), { code: '22P05' }))
        : Promise.resolve();
    };
    const isolates = (e: unknown) => (e as { code?: string }).code === '22P05';

    it('should write its items again one at a time, so only that item fails', async () => {
      const writes: string[][] = [];
      const group = new GroupCommit(refusing(writes), 10, isolates);
      const first = group.submit('a');
      const grouped = ['b', 'bad', 'c'].map((x) => group.submit(x));
      await first;
      await Promise.allSettled(grouped);
      expect(await states(grouped)).toEqual(['done', 'failed: invalid input', 'done']);
      expect(writes).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
    });

    it('should fail the whole group at once when the error is not one item’s', async () => {
      const writes: string[][] = [];
      const group = new GroupCommit(refusing(writes), 10, () => false);
      const first = group.submit('a');
      const grouped = ['b', 'bad', 'c'].map((x) => group.submit(x));
      await first;
      await Promise.allSettled(grouped);
      expect(await states(grouped)).toEqual([
        'failed: invalid input',
        'failed: invalid input',
        'failed: invalid input',
      ]);
      expect(writes).toEqual([['a'], ['b', 'bad', 'c']]);
    });
  });

  it('should refuse a group size that is not a positive integer', () => {
    const write = (): Promise<void> => Promise.resolve();
    expect(() => new GroupCommit(write, 0)).toThrow(RangeError);
    expect(() => new GroupCommit(write, 1.5)).toThrow(RangeError);
  });
});
