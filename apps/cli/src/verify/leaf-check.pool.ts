import { Worker } from 'node:worker_threads';
import { checkLeafPage, type LeafPageJob, type LeafPageResult } from './leaf-page-check';

// The worker runs checkLeafPage from its source text, so the same code runs from the
// TypeScript sources under Jest and from dist, with no separate worker file to build or find.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const checkLeafPage = ${checkLeafPage.toString()};
parentPort.on('message', (job) => parentPort.postMessage(checkLeafPage(job)));
`;

/**
 * Checks pages of entries on worker threads (or inline with 0 workers), answering in the
 * order asked. Each worker takes one page at a time; the caller bounds how many it asks
 * ahead.
 */
export class LeafCheckPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting: (() => void)[] = [];

  constructor(workers: number) {
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  async check(job: LeafPageJob): Promise<LeafPageResult> {
    if (this.all.length === 0) return checkLeafPage(job);
    let worker = this.idle.pop();
    while (!worker) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      worker = this.idle.pop();
    }
    const busy = worker;
    try {
      return await new Promise<LeafPageResult>((resolve, reject) => {
        busy.once('message', resolve);
        busy.once('error', reject);
        busy.postMessage(job);
      });
    } finally {
      busy.removeAllListeners('message');
      busy.removeAllListeners('error');
      this.idle.push(busy);
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
