import { exampleAccountingReport } from '../testing/accounting-report.example';
import { scriptLetterJobs, withoutDrawingTime } from '../testing/script-letters';
import { renderLetter, type LetterJob } from './letter-job';
import {
  LetterPool,
  LetterQueueFullError,
  LetterRenderError,
  LetterTooLargeError,
} from './letter-pool';

// Real render threads (worker_threads through piscina) drawing the real letters.

const letters = scriptLetterJobs();
const breach = letters[letters.length - 1].job;

describe('LetterPool', () => {
  let pool: LetterPool | undefined;

  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('should draw every letter in every script byte for byte as the caller’s thread draws it', async () => {
    pool = new LetterPool({ threads: 2, queue: 16, heapMb: 64 });
    const drawn = await Promise.all(letters.map(({ job }) => (pool as LetterPool).render(job)));
    for (const [i, { name, job }] of letters.entries()) {
      expect({ name, pdf: withoutDrawingTime(drawn[i]) }).toEqual({
        name,
        pdf: withoutDrawingTime(await renderLetter(job)),
      });
    }
  }, 60_000);

  it('should refuse at once the letters past its threads and queue, and draw the others', async () => {
    pool = new LetterPool({ threads: 1, queue: 2, heapMb: 64 });
    const asked = Array.from({ length: 6 }, () => (pool as LetterPool).render(breach));
    const settled = await Promise.allSettled(asked);
    const refused = settled.filter((s) => s.status === 'rejected');
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      const reason: unknown = r.reason;
      expect(reason).toBeInstanceOf(LetterQueueFullError);
      expect((reason as Error).message).toMatch(/too many letters are being drawn: 3 .*ask again/);
    }
    expect(pool.pending).toBe(0);
    expect((await pool.render(breach)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  }, 60_000);

  it('should fail a letter whose thread ran out of memory with a clear error, and draw the next', async () => {
    const failures: unknown[] = [];
    pool = new LetterPool({ threads: 1, queue: 4, heapMb: 40, onFailure: (f) => failures.push(f) });
    const huge: LetterJob = { kind: 'accounting', report: exampleAccountingReport(3_000) };
    const lost = pool.render(huge);
    const next = pool.render(breach);
    await expect(lost).rejects.toThrow(LetterTooLargeError);
    await expect(lost).rejects.toThrow(
      /larger than a render thread may hold \(REPORT_RENDER_HEAP_MB, 40 MB\) and nothing was sent: .*raise that setting or .*cli report/,
    );
    expect(failures).toEqual([{ kind: 'accounting', reason: 'ERR_WORKER_OUT_OF_MEMORY' }]);
    expect(withoutDrawingTime(await next)).toEqual(withoutDrawingTime(await renderLetter(breach)));
  }, 120_000);

  it('should fail the letters drawn or waiting when closed, and any asked later', async () => {
    const closing = new LetterPool({ threads: 1, queue: 2, heapMb: 64 });
    const asked = Promise.allSettled([closing.render(breach), closing.render(breach)]);
    await closing.close();
    for (const letter of await asked) {
      expect((letter as PromiseRejectedResult).reason).toBeInstanceOf(LetterRenderError);
    }
    await expect(closing.render(breach)).rejects.toThrow(LetterRenderError);
    expect(closing.pending).toBe(0);
  });
});
