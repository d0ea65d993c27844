import { sharedWhileRunning } from './shared-while-running';

describe('sharedWhileRunning', () => {
  it('should run the task once for calls made while it runs, and give each its result', async () => {
    let runs = 0;
    const shared = sharedWhileRunning(async () => {
      runs += 1;
      await new Promise((resolveLater) => setTimeout(resolveLater, 10));
      return runs;
    });
    expect(await Promise.all([shared(), shared(), shared()])).toEqual([1, 1, 1]);
    expect(runs).toBe(1);
  });

  it('should run the task afresh for a call made after it settled', async () => {
    let runs = 0;
    const shared = sharedWhileRunning(() => Promise.resolve((runs += 1)));
    expect(await shared()).toBe(1);
    expect(await shared()).toBe(2);
  });

  it('should give the error to every call that shared it, then run afresh', async () => {
    let runs = 0;
    const shared = sharedWhileRunning(async () => {
      runs += 1;
      await new Promise((resolveLater) => setTimeout(resolveLater, 10));
      if (runs === 1) throw new Error('PostgreSQL does not answer');
      return 'up';
    });
    const first = await Promise.allSettled([shared(), shared()]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await shared()).toBe('up');
    expect(runs).toBe(2);
  });
});
