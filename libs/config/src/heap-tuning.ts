import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived its last full collection:
 * 1.5 times, where its default goes up to 4 times under a high allocation rate. At 1M
 * entries the API holds about 80 MB of live heap once patient rights are read, and the
 * default let every busy phase after that take it to 400-470 MB of RSS; with this it
 * stayed under 300 MB. The ingest's batches (each decodes, encodes and hashes a few MiB,
 * the findings worker loads its world) grew it the same way (bench/HISTORY.md, issues 15
 * and 16, memory).
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * The V8 flags a long-running scantrail service sets as its main module starts
 * (`v8.setFlagsFromString`), so every way of starting it (`npm start`, `npm run start:*`,
 * `node dist/apps/.../main.js` in the image and the compose file) runs with them. Both are
 * read by the collector as it runs, so setting them before the service's first request or
 * batch is enough.
 *
 * - `--heap-growing-percent`: see HEAP_GROWING_PERCENT.
 * - `--no-allocation-site-pretenuring`: V8 allocates the objects of a code site straight in
 *   the old generation once most of them survived a young collection. Under load some
 *   request-scoped sites pass that test (objects alive across a collection while their
 *   request waits on PostgreSQL), and from then on their short-lived objects fill the old
 *   generation, which the bound above then has to mark and compact: at 1M entries the API
 *   ran about 70 full collections in `bench:api`'s floor, `trace` and accounting phases, each
 *   pausing every request in flight for 4-14 ms, and those pauses were the p99. Without
 *   pretenuring the young generation takes them: 52-58 full collections, `trace` p99
 *   13-14 ms instead of 17-18 ms, and 5-7% more requests a second (bench/HISTORY.md,
 *   session 24).
 */
export function tuneServiceHeap(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  setFlagsFromString('--no-allocation-site-pretenuring');
}
