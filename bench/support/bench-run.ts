// What every benchmark process does around its measurements: print, read its integer options,
// keep a scratch folder, stop what it started (last started, first stopped) at the end, on a
// failure or on Ctrl-C, and fail with the stack and exit code 1.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalKafka } from '@scantrail/local-kafka';

export const write = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

/** `--name`'s value as an integer of at least `min`, or an error that names the option. */
export function integerOption(name: string, raw: string, min = 1): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new Error(`--${name} must be an integer of at least ${min}`);
  }
  return n;
}

export interface BenchRun {
  /** A scratch folder of the run's own, removed by `cleanUp`. */
  root: string;
  /** What to stop at the end; `cleanUp` calls them last first, ignoring their errors. */
  stops: (() => Promise<unknown>)[];
  /** Stops everything in `stops` and removes `root`; later calls do nothing. */
  cleanUp: () => Promise<void>;
}

/** A run of `bench:<name>`: its scratch folder, and Ctrl-C stops what it started before exiting. */
export function startBenchRun(name: string): BenchRun {
  const root = mkdtempSync(join(tmpdir(), `scantrail-bench-${name}-`));
  const stops: (() => Promise<unknown>)[] = [];
  let cleaned = false;
  const cleanUp = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    write(`interrupted: stopping what bench:${name} started`);
    void cleanUp().finally(() => process.exit(130));
  });
  return { root, stops, cleanUp };
}

/**
 * Runs `main`, or with `--help` prints the benchmark's usage. A failure prints its stack
 * under the benchmark's name and exits with 1; a command line node's parseArgs refuses (an
 * unknown option, a missing value) prints only what is wrong and where the options are.
 */
export function runBench(name: string, main: () => Promise<void>): void {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(usage(require.main?.filename ?? process.argv[1]));
    return;
  }
  main().catch((error: unknown) => {
    const { code, message, stack } = error as Error & { code?: unknown };
    const commandLine = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(
      commandLine
        ? `bench:${name}: ${message} (--help lists the options)\n`
        : `bench:${name} failed: ${stack ?? String(error)}\n`,
    );
    process.exit(1);
  });
}

/**
 * `--help`: the benchmark's own opening comment (its command line, what it measures and
 * against what), which every bench file starts with; tsc keeps it in the built file.
 */
export function usage(file: string): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  const first = lines.findIndex((l) => l.startsWith('//'));
  if (first < 0) return 'see bench/README.md\n';
  const end = lines.findIndex((l, i) => i > first && !l.startsWith('//'));
  const header = lines.slice(first, end < 0 ? undefined : end).map((l) => l.replace(/^\/\/ ?/, ''));
  const text = header.join('\n');
  return text.includes('bench/README.md') ? `${text}\n` : `${text}\nSee bench/README.md.\n`;
}

/**
 * KAFKA_BROKERS when set, otherwise a local broker in the run's folder, stopped with the run.
 * `description` says which, for the report.
 */
export async function benchKafka(
  run: BenchRun,
): Promise<{ brokers: string[]; description: string }> {
  if (process.env.KAFKA_BROKERS) {
    const brokers = process.env.KAFKA_BROKERS.split(',');
    return { brokers, description: `KAFKA_BROKERS ${brokers.join(',')}` };
  }
  const local = await startLocalKafka({ dataDir: join(run.root, 'kafka') });
  run.stops.push(() => local.stop());
  return { brokers: local.brokers, description: `local broker ${local.brokers.join(',')}` };
}
