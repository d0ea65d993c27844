// A worker thread of the fast loader's PreparePool (prepare-pool.ts): turns message values
// into ledger entries (or quarantine reasons) with the ingest's own pendingEntryOf.
import { parentPort, workerData } from 'node:worker_threads';
import { pendingEntryOf } from '../../apps/ingest/src/pending-entry';
import type { PrepareJob } from './prepare-pool';

const pseudonymKey = Buffer.from(workerData as Uint8Array);

parentPort?.on('message', (job: PrepareJob) => {
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  const results = [];
  let at = 0;
  for (const length of job.lengths) {
    results.push(pendingEntryOf(length < 0 ? null : bytes.subarray(at, at + length), pseudonymKey));
    if (length > 0) at += length;
  }
  parentPort?.postMessage(results);
});
