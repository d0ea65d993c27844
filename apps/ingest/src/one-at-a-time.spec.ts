import { setTimeout as sleep } from 'node:timers/promises';
import { mapInSlices, OneAtATime } from './one-at-a-time';

describe('OneAtATime', () => {
  it('should run tasks one after another in the order given when callers run at once', async () => {
    const turns = new OneAtATime();
    const events: string[] = [];
    let running = 0;
    let most = 0;
    const task = (name: string, ms: number) => async () => {
      running += 1;
      most = Math.max(most, running);
      events.push(`start ${name}`);
      await sleep(ms);
      events.push(`end ${name}`);
      running -= 1;
      return name;
    };
    const results = await Promise.all([
      turns.run(task('a', 20)),
      turns.run(task('b', 1)),
      turns.run(task('c', 5)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(most).toBe(1);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('should run the next task and keep the failure its own when a task fails', async () => {
    const turns = new OneAtATime();
    const failed = turns.run(() => Promise.reject(new Error('refused')));
    const next = turns.run(() => Promise.resolve('next'));
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe('next');
  });
});

describe('mapInSlices', () => {
  it('should map every item in order when the items span several slices', async () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    await expect(mapInSlices(items, (i) => i * 2, 5)).resolves.toEqual(items.map((i) => i * 2));
    await expect(mapInSlices([], (i: number) => i, 5)).resolves.toEqual([]);
  });

  it('should let other work run between slices when the items are many', async () => {
    const order: string[] = [];
    // Queued before the mapping starts, as a reply from PostgreSQL would be.
    setImmediate(() => order.push('other'));
    await mapInSlices([1, 2, 3, 4], (i) => order.push(`item ${i}`), 2);
    expect(order).toEqual(['item 1', 'item 2', 'other', 'item 3', 'item 4']);
  });
});
