import { DataSource } from 'typeorm';
import { readAll } from './queryable';

describe('readAll on a pool', () => {
  // Never initialized: readAll only asks whether it is a pool.
  const pool = new DataSource({ type: 'postgres' });

  it('should answer every read in the order given', async () => {
    await expect(
      readAll<[number, string]>(pool, [() => Promise.resolve(1), () => Promise.resolve('b')]),
    ).resolves.toEqual([1, 'b']);
  });

  it('should fail only once every read has finished, with the first failure given', async () => {
    let recorded = false;
    const record = (): Promise<void> =>
      new Promise((resolve) =>
        setTimeout(() => {
          recorded = true;
          resolve();
        }, 20),
      );
    const failing = readAll<[void, number, number]>(pool, [
      record,
      () => Promise.reject(new Error('read refused')),
      () => Promise.reject(new Error('later refusal')),
    ]);
    await expect(failing).rejects.toThrow('read refused');
    expect(recorded).toBe(true);
  });
});
