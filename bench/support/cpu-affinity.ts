// CPU affinity for the benchmarks that run the API beside PostgreSQL on one machine: the API
// child on the cores given, this process (and so PostgreSQL, Kafka and the load generator it
// starts afterwards) on the others. A deployment gives the database its own machine; on one
// machine the kernel places a woken PostgreSQL backend on the core of the API that woke it,
// so the two take turns on a core while the other may idle. Pinning measures the API as it
// would run with a core of its own. util-linux's `taskset` does the pinning (Debian installs
// util-linux on every system).
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** "0", "0,2" or "0-1" into the sorted CPU numbers, each below `cores`. */
export function parseCpuList(text: string, cores: number): number[] {
  const cpus = new Set<number>();
  for (const part of text.split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (range === null)
      throw new Error(`--api-cpus: "${part}" is not a CPU number or range (0, 0-1, 0,2)`);
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (to < from) throw new Error(`--api-cpus: the range ${part.trim()} runs backwards`);
    for (let cpu = from; cpu <= to; cpu += 1) {
      if (cpu >= cores) {
        throw new Error(`--api-cpus: CPU ${cpu} does not exist (this machine has 0-${cores - 1})`);
      }
      cpus.add(cpu);
    }
  }
  const list = [...cpus].sort((a, b) => a - b);
  if (list.length === cores) {
    throw new Error('--api-cpus: leave at least one CPU for PostgreSQL and the load generator');
  }
  return list;
}

/** The CPUs not in `cpus`. */
export function otherCpus(cpus: readonly number[], cores = availableParallelism()): number[] {
  return Array.from({ length: cores }, (_, cpu) => cpu).filter((cpu) => !cpus.includes(cpu));
}

/** Pins every thread of this process (and the children it starts from now on) to `cpus`. */
export function pinThisProcess(cpus: readonly number[]): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus.join(','), String(process.pid)], {
    stdio: 'ignore',
  });
}

/** The command and arguments that start `command args` on `cpus` only. */
export function onCpus(
  cpus: readonly number[] | undefined,
  command: string,
  args: string[],
): { command: string; args: string[] } {
  if (cpus === undefined || cpus.length === 0) return { command, args };
  return { command: 'taskset', args: ['-c', cpus.join(','), command, ...args] };
}
