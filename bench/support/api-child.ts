// The built API (dist/apps/api/main.js) as a child process, as deployed, for the benchmarks
// that drive it over HTTP: its port, output, memory and CPU time, and a clean stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@scantrail/local-postgres';
import { repositoryRoot } from '../../test/support/ingest-process';
import { onCpus } from './cpu-affinity';

const CLOCK_TICKS_PER_S = 100; // Linux USER_HZ, the unit of utime/stime in /proc/<pid>/stat

export interface ApiChild {
  pid: number;
  port: number;
  output(): string;
  /** VmRSS and VmHWM in MB, while the process lives. */
  memoryMb(): { rss: number; peak: number };
  /** User + system CPU time so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export function procStatus(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : NaN;
  };
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export function procCpuMs(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

export async function startApiChild(
  env: Record<string, string>,
  nodeArgs: string[],
  cpus?: readonly number[],
): Promise<ApiChild> {
  const root = repositoryRoot();
  const main = join(root, 'dist', 'apps', 'api', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const port = await freePort();
  // `taskset` execs node in place, so the child's pid is the API's.
  const start = onCpus(cpus, process.execPath, [...nodeArgs, main]);
  const child = spawn(start.command, start.args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the API');
  children.add(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((resolveExit) =>
    child.once('exit', () => {
      exited = true;
      children.delete(child);
      resolveExit();
    }),
  );
  const api: ApiChild = {
    pid,
    port,
    output: () => output,
    memoryMb: () => procStatus(pid),
    cpuMs: () => procCpuMs(pid),
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
  return api;
}

export async function waitUntilServing(
  api: ApiChild,
  token: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${api.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`the API did not answer within ${timeoutMs} ms:\n${api.output().slice(-4000)}`);
}
