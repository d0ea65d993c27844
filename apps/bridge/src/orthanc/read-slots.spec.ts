import { ReadSlots } from './read-slots';

const tick = () => new Promise((r) => setImmediate(r));

describe('ReadSlots', () => {
  it('should run at most size reads at once, the others in the order asked', async () => {
    const slots = new ReadSlots(2);
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const reads = [0, 1, 2, 3].map((n) =>
      slots.run(async () => {
        started.push(n);
        await new Promise<void>((resolve) => (finish[n] = resolve));
        return n * 10;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    finish[1]();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    finish[0]();
    finish[2]();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    finish[3]();
    await expect(Promise.all(reads)).resolves.toEqual([0, 10, 20, 30]);
  });

  it('should free the slot of a read that fails', async () => {
    const slots = new ReadSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('timed out')))).rejects.toThrow(
      'timed out',
    );
    await expect(slots.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
