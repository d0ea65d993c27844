// Small statistics, timers and a plain-text table for the benchmark scripts' output.
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** The median of `values` (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100): the smallest value with p% of values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Milliseconds elapsed since `start` (a process.hrtime.bigint() reading). */
export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `work` and returns its result with the wall time in milliseconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = process.hrtime.bigint();
  const result = await work();
  return { result, ms: elapsedMs(start) };
}

/** 123456.7 -> "123,457"; rates and counts read better grouped. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatMs(value: number): string {
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A target line: the measured ratio or value against its bound, with PASS or FAIL. */
export function verdict(pass: boolean): string {
  return pass ? 'PASS' : 'FAIL';
}

/** Prints rows as an aligned text table; numbers are right-aligned, text left-aligned. */
export function printTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) =>
    rows.every((r) => /^[-+]?[\d,.]+( ?(ms|s|%|x))?$/.test(r[i] ?? '')),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  write(line(headers));
  write(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) write(line(row));
}

/** Sums the garbage collector's pause time from now until `stop()`, in milliseconds. */
export function gcMeter(): { stop(): number } {
  let total = 0;
  const add = (entries: PerformanceEntry[]): void => {
    for (const e of entries) total += e.duration;
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: () => {
      add(observer.takeRecords());
      observer.disconnect();
      return total;
    },
  };
}
