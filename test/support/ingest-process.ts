// Runs the built ingest (`node dist/apps/ingest/main.js`) as a child process, configured
// only through the environment as an operator would, so that tests and the benchmark can
// kill it (-9), stop it (SIGTERM), and read its memory from /proc. No Jest imports here:
// bench/ingest.bench.ts uses this file too.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateSignerKey } from '@scantrail/ledger';

export interface IngestEnvironmentOptions {
  databaseUrl: string;
  brokers: readonly string[];
  topic: string;
  groupId: string;
  /** Where dev files would go; every secret is given, so nothing is generated there. */
  dataDir: string;
  origin?: string;
  checkpointIntervalS?: number;
  /** Default 'error': quarantine warnings would flood the captured output. */
  logLevel?: string;
}

export interface IngestEnvironment {
  /** The settings of CONTRACT.md section 5, as environment variables. */
  env: Record<string, string>;
  origin: string;
  /** The verifier key matching LEDGER_SIGNING_KEY, for `verifyLedger`. */
  verifierKey: string;
}

/** Settings for one ingest (or several of one group), with fresh keys. */
export function ingestEnvironment(options: IngestEnvironmentOptions): IngestEnvironment {
  const origin = options.origin ?? 'faults.scantrail.test/ledger';
  const keys = generateSignerKey(origin);
  return {
    origin,
    verifierKey: keys.verifierKey,
    env: {
      DATABASE_URL: options.databaseUrl,
      KAFKA_BROKERS: options.brokers.join(','),
      KAFKA_TOPIC: options.topic,
      KAFKA_GROUP_ID: options.groupId,
      PSEUDONYM_KEY: randomBytes(32).toString('hex'),
      LEDGER_SIGNING_KEY: keys.signerKey,
      AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
      LEDGER_ORIGIN: origin,
      CHECKPOINT_INTERVAL_S: String(options.checkpointIntervalS ?? 1),
      SCANTRAIL_DATA_DIR: options.dataDir,
      LOG_LEVEL: options.logLevel ?? 'error',
    },
  };
}

export interface IngestExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface IngestProcess {
  readonly pid: number;
  readonly label: string;
  /** Settles when the process ends, for whatever reason. */
  readonly exited: Promise<IngestExit>;
  /** The exit, once it happened. */
  exit(): IngestExit | undefined;
  /** SIGKILL: no shutdown code runs, open transactions are cut off. */
  kill9(): Promise<IngestExit>;
  /** SIGTERM (the ingest leaves its group and signs a last checkpoint), SIGKILL after timeoutMs. */
  terminate(timeoutMs?: number): Promise<IngestExit>;
  /** The last lines the process wrote (stdout and stderr, interleaved). */
  output(): string;
  /** Resident set size now and at its peak (VmRSS, VmHWM) in kB, while the process lives. */
  memoryKb(): { rss: number; peak: number } | undefined;
}

export interface StartIngestProcessOptions {
  env: Record<string, string>;
  /** Extra `node` flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Which built app to run: the ingest unless told (the API runs the same way). */
  app?: 'ingest' | 'api';
  /** Names the process in output and errors. */
  label?: string;
  /** Called with each chunk of output (e.g. to echo it while debugging). */
  onOutput?: (text: string) => void;
  /** Another built app to run the same way (default: the ingest). */
  entryPoint?: string;
}

const OUTPUT_LIMIT = 64 * 1024;

/** The repository root: the nearest folder above this file with a package.json. */
export function repositoryRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** `dist/apps/<app>/main.js` of the build (ingest by default; `api` runs the API the same way). */
export function ingestEntryPoint(app: 'ingest' | 'api' = 'ingest'): string {
  const main = join(repositoryRoot(), 'dist', 'apps', app, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  return main;
}

const running = new Set<ChildProcess>();
// A test or benchmark that ends abruptly must not leave ingest processes consuming behind it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function readMemoryKb(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) : NaN;
    };
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** Starts `node dist/apps/ingest/main.js` with exactly the given environment (plus PATH). */
export function startIngestProcess(options: StartIngestProcessOptions): IngestProcess {
  const label = options.label ?? 'ingest';
  const entry = options.entryPoint ?? ingestEntryPoint(options.app);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], {
    cwd: repositoryRoot(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${label}: could not start node`);
  running.add(child);

  let output = '';
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    options.onOutput?.(text);
    output = (output + text).slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let exit: IngestExit | undefined;
  const exited = new Promise<IngestExit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      resolveExit(exit);
    });
  });

  const signal = (name: NodeJS.Signals): void => {
    if (exit === undefined) child.kill(name);
  };

  return {
    pid,
    label,
    exited,
    exit: () => exit,
    kill9: () => {
      signal('SIGKILL');
      return exited;
    },
    terminate: async (timeoutMs = 20_000) => {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    output: () => output,
    memoryKb: () => (exit === undefined ? readMemoryKb(pid) : undefined),
  };
}
