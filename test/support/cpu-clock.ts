import { readFileSync } from 'node:fs';
import type { EntityManager } from 'typeorm';

/** CPU time since a clock started: this process's, and its PostgreSQL backend's. */
export interface CpuTime {
  processMs: number;
  serverMs: number;
}

/**
 * Starts a CPU clock for work done through `m`: a function giving the CPU milliseconds used
 * since, by this process and by the PostgreSQL backend of `m`'s connection (the test server
 * runs on this machine: /proc/<pid>/schedstat, in nanoseconds). Unlike wall-clock time, a busy
 * machine (CI's two cores, other suites beside) does not stretch it: for ratios of costs
 * measured seconds apart, which load can stretch one of and not the other.
 */
export async function cpuClock(m: EntityManager): Promise<() => CpuTime> {
  const [{ pid }] = await m.query<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
  const backendMs = (): number =>
    Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  const server = backendMs();
  const here = process.cpuUsage();
  return () => {
    const { user, system } = process.cpuUsage(here);
    return { processMs: (user + system) / 1e3, serverMs: backendMs() - server };
  };
}
