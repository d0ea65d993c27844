import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pendingEntryOf } from '../../apps/ingest/src/pending-entry';

/** What pendingEntryOf answers for one message value. */
export type Prepared = ReturnType<typeof pendingEntryOf>;

/** One chunk's values for a worker: concatenated, each one's length (-1: no value). */
export interface PrepareJob {
  bytes: Uint8Array;
  lengths: number[];
}

/**
 * The worker's code: the compiled prepare-worker.js beside this module, or, when running
 * from the TypeScript sources (Jest), prepare-worker.ts bundled in memory by esbuild.
 */
function workerCode(): { file: string } | { source: string } {
  const compiled = join(__dirname, 'prepare-worker.js');
  if (existsSync(compiled)) return { file: compiled };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildSync } = require('esbuild') as typeof import('esbuild');
  const built = buildSync({
    entryPoints: [join(__dirname, 'prepare-worker.ts')],
    tsconfig: join(__dirname, '..', '..', 'tsconfig.json'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  return { source: built.outputFiles[0].text };
}

/**
 * pendingEntryOf (decode, validate, pseudonymize, digest) over chunks of message values on
 * worker threads, so that the loader's thread numbers, hashes and copies one chunk while
 * the next ones are prepared. With 0 workers it prepares inline. Each call is answered by
 * the next worker in turn, so calls answered in the order made keep the stream's order.
 */
export class PreparePool {
  private readonly workers: Worker[] = [];
  private next = 0;
  /** Per worker, the callers waiting for its answers, oldest first (a worker answers in order). */
  private readonly waiting = new Map<Worker, ((answer: Prepared[] | Error) => void)[]>();

  constructor(
    threads: number,
    private readonly pseudonymKey: Buffer,
  ) {
    if (threads <= 0) return;
    const code = workerCode();
    for (let i = 0; i < threads; i++) {
      const worker =
        'file' in code
          ? new Worker(code.file, { workerData: new Uint8Array(pseudonymKey) })
          : new Worker(code.source, { eval: true, workerData: new Uint8Array(pseudonymKey) });
      const queue: ((answer: Prepared[] | Error) => void)[] = [];
      worker.on('message', (answer: Prepared[]) => queue.shift()?.(answer));
      worker.on('error', (error: Error) => {
        for (const settle of queue.splice(0)) settle(error);
      });
      this.waiting.set(worker, queue);
      this.workers.push(worker);
    }
  }

  prepare(values: readonly (Buffer | null)[]): Promise<Prepared[]> {
    if (this.workers.length === 0) {
      return Promise.resolve(values.map((v) => pendingEntryOf(v, this.pseudonymKey)));
    }
    const worker = this.workers[this.next];
    this.next = (this.next + 1) % this.workers.length;
    const lengths = values.map((v) => (v === null ? -1 : v.length));
    // A buffer of its own (not Node's shared pool), so it can be handed over, not copied.
    const bytes = Buffer.allocUnsafeSlow(lengths.reduce((sum, n) => sum + Math.max(n, 0), 0));
    let at = 0;
    for (const v of values) if (v !== null) at += v.copy(bytes, at);
    const job: PrepareJob = { bytes, lengths };
    return new Promise<Prepared[]>((resolve, reject) => {
      (this.waiting.get(worker) as ((answer: Prepared[] | Error) => void)[]).push((answer) =>
        answer instanceof Error ? reject(answer) : resolve(answer),
      );
      worker.postMessage(job, [bytes.buffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
