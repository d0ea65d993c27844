import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat's CPU times (getconf CLK_TCK, usually 100). */
function clockTicks(): number {
  ticksPerSecond ??=
    Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

interface ProcStat {
  parent: number;
  /** User + system CPU time so far, in ms. */
  cpuMs: number;
}

function procStat(pid: number | string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: state is #3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      parent: Number(fields[1]),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks(),
    };
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/** CPU time (user + system, ms) a process has used so far; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  return procStat(pid)?.cpuMs;
}

/**
 * For a PostgreSQL server on this machine: a reading of the CPU time (ms) its postmaster
 * and every process under it (backends, writers, WAL) have used so far. Backends that end
 * between two readings take their time with them, so the readings suit a phase whose
 * connections stay open (the ingest's pool). Undefined when the server is elsewhere.
 */
export async function postgresCpuReader(db: DataSource): Promise<(() => number) | undefined> {
  const [{ pid }] = await db.query<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
  const backend = procStat(pid);
  if (backend === undefined) return undefined;
  const postmaster = backend.parent;
  return () => {
    let total = procStat(postmaster)?.cpuMs ?? 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = procStat(entry);
      if (stat?.parent === postmaster) total += stat.cpuMs;
    }
    return total;
  };
}
