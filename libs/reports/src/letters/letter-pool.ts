import { createHash, randomBytes } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { Piscina } from 'piscina';
import type { LetterJob, LetterKind, LetterRenderer } from './letter-job';

// A letter takes 10 to 100 ms of CPU (font subsets, Arabic shaping, deflate). Drawn on the
// API's main thread, it held every other request for that long, and a script asking letters
// from eight connections held them for good. Here letters are drawn on threads of their own
// (piscina), each parsing the fonts once (letter-fonts.ts); at most `threads` at once, at
// most `queue` more waiting, the rest refused at once, so a flood of letters costs a bounded
// share of the CPU and memory and never the main thread.

export interface LetterPoolOptions {
  /** Letters drawn at once, each on a thread of its own (REPORT_RENDER_THREADS). */
  threads: number;
  /** Letters that may wait for a thread (REPORT_RENDER_QUEUE); more are refused at once. */
  queue: number;
  /** Most old-generation heap of a thread, MB (REPORT_RENDER_HEAP_MB): a letter past it fails alone. */
  heapMb: number;
  /** Milliseconds a thread with nothing to draw stays before it ends (its memory freed). */
  idleMs?: number;
  /**
   * A letter that failed on its thread (`kind` null: a thread failed with no letter on it),
   * and why in words of the runtime (an error code, the thread's exit code, an error's
   * class), never the error's message, which could quote the letter.
   */
  onFailure?: (failure: { kind: LetterKind | null; reason: string }) => void;
}

/** More letters asked than threads and queue hold: the caller answers 503, to be asked again. */
export class LetterQueueFullError extends Error {
  constructor(readonly limit: number) {
    super(
      `too many letters are being drawn: ${limit} are already drawn or waiting ` +
        '(REPORT_RENDER_THREADS + REPORT_RENDER_QUEUE); ask again in a moment',
    );
    this.name = 'LetterQueueFullError';
  }
}

/** The letter's thread failed or stopped before the letter was whole: nothing was sent. */
export class LetterRenderError extends Error {
  constructor(readonly reason: string) {
    super(
      'the letter could not be drawn: its render thread failed before it was finished, and ' +
        'nothing was sent; ask again, and tell the operator if it happens again',
    );
    this.name = 'LetterRenderError';
  }
}

/**
 * The letter needs more memory than a render thread may hold (REPORT_RENDER_HEAP_MB): asking
 * again gives the same. About 40 KB of heap an accounting line while the letter is drawn
 * (every page is kept until the footers' page counts are written), so the default 256 MB holds
 * about 6,000 lines.
 */
export class LetterTooLargeError extends LetterRenderError {
  constructor(readonly heapMb: number) {
    super('ERR_WORKER_OUT_OF_MEMORY');
    this.message =
      `the letter is larger than a render thread may hold (REPORT_RENDER_HEAP_MB, ${heapMb} MB) ` +
      'and nothing was sent: ask the operator to raise that setting or to draw it with cli report';
    this.name = 'LetterTooLargeError';
  }
}

/**
 * The render threads' code: letter.worker.js beside this module when built. Run from the
 * TypeScript sources (Jest), letter.worker.ts is bundled by esbuild (a dev dependency, never
 * loaded in a build) into a scratch file, its packages required from this node_modules.
 */
function letterWorkerFile(): string {
  const built = join(__dirname, 'letter.worker.js');
  if (existsSync(built)) return built;
  bundled ??= bundleWorker();
  return bundled;
}

let bundled: string | undefined;

/**
 * Bundles letter.worker.ts in memory and keeps it under the system's temporary directory by
 * the bundle's hash: every process of a test run reuses the one file, and a changed worker
 * gets another. (A directory per process, removed on 'exit', outlived the Jest workers that
 * are ended without one: 219 were left in /tmp.) Written under a name of its own, then
 * renamed, so a process never loads another's half-written file.
 */
function bundleWorker(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildSync } = require('esbuild') as typeof import('esbuild');
  const pdfkit = require.resolve('pdfkit');
  const nodeModules =
    pdfkit.slice(0, pdfkit.lastIndexOf(`${sep}node_modules${sep}`)) + `${sep}node_modules`;
  const { outputFiles } = buildSync({
    entryPoints: [join(__dirname, 'letter.worker.ts')],
    write: false,
    outfile: 'letter.worker.js',
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // import('pdfkit') as require: an ESM import would not look in module.paths.
    supported: { 'dynamic-import': false },
    banner: { js: `module.paths.unshift(${JSON.stringify(nodeModules)});` },
    logLevel: 'silent',
  });
  const code = outputFiles[0].contents;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `scantrail-letter-worker-${hash}.js`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  return file;
}

/** Why a letter failed, in words that cannot quote it. */
function reasonOf(error: unknown): string {
  const { code, message, name } = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    name?: unknown;
  };
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code)) return code;
  // piscina's own words when the thread ended with the letter on it.
  if (typeof message === 'string' && /^worker exited with code: -?\d+$/.test(message))
    return message;
  return typeof name === 'string' ? name : 'unknown';
}

/**
 * Letters drawn on render threads: see the top of this file. The waiting letters are kept
 * here, and piscina is handed only as many as there are threads: after a thread died, piscina
 * (5.3) starts another for the next letter it is handed, but not for letters left in its own
 * queue, which would wait for a letter asked later.
 */
export class LetterPool implements LetterRenderer {
  /** Made with the first letter: an API that draws none starts no thread and loads nothing. */
  private pool?: Piscina<LetterJob, Uint8Array>;
  private readonly limit: number;
  /** Letters handed to piscina: at most `threads`. */
  private drawing = 0;
  /** Letters waiting for a thread, oldest first: each is handed a drawing slot. */
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: LetterPoolOptions) {
    this.limit = options.threads + options.queue;
  }

  private threads(): Piscina<LetterJob, Uint8Array> {
    if (this.pool) return this.pool;
    const { threads, heapMb, idleMs, onFailure } = this.options;
    this.pool = new Piscina({
      filename: letterWorkerFile(),
      minThreads: 0,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: idleMs ?? 60_000,
      resourceLimits: {
        maxOldGenerationSizeMb: heapMb,
        // V8's default young generation for a thread held about 35 MB more RSS, for no speed.
        maxYoungGenerationSizeMb: 8,
      },
    });
    // A thread that fails with no letter on it (an EventEmitter's unheard 'error' would end
    // the process): the next letter starts another.
    this.pool.on('error', (error: unknown) => onFailure?.({ kind: null, reason: reasonOf(error) }));
    return this.pool;
  }

  /** Letters being drawn or waiting for a thread now. */
  get pending(): number {
    return this.drawing + this.waiting.length;
  }

  async render(job: LetterJob): Promise<Buffer> {
    if (this.closed) throw new LetterRenderError('closed');
    if (this.pending >= this.limit) throw new LetterQueueFullError(this.limit);
    if (this.drawing < this.options.threads) this.drawing += 1;
    else await new Promise<void>((slot) => this.waiting.push(slot));
    try {
      if (this.closed) throw new LetterRenderError('closed');
      const pdf = await this.threads().run(job);
      return Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
    } catch (error) {
      if (error instanceof LetterRenderError) throw error;
      const reason = reasonOf(error);
      this.options.onFailure?.({ kind: job.kind, reason });
      if (reason === 'ERR_WORKER_OUT_OF_MEMORY') throw new LetterTooLargeError(this.options.heapMb);
      throw new LetterRenderError(reason);
    } finally {
      // The slot passes to the oldest waiting letter, or is free.
      const next = this.waiting.shift();
      if (next) next();
      else this.drawing -= 1;
    }
  }

  /** Ends the threads: letters being drawn or waiting fail, and later ones at once. */
  async close(): Promise<void> {
    this.closed = true;
    for (const next of this.waiting.splice(0)) {
      this.drawing += 1;
      next();
    }
    await this.pool?.destroy();
  }
}
