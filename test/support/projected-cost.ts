import type { LineageProjection } from '@scantrail/projection';
import type { RecordedEntry } from '@scantrail/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { cpuClock } from './cpu-clock';

/** What projecting one batch cost: its time, and the rows of the watched tables it wrote and read. */
export interface ProjectedCost {
  ms: number;
  /** CPU time, this process's and its PostgreSQL backend's (see `cpuClock`). */
  cpuMs: number;
  written: number;
  read: number;
}

/**
 * Projects one batch in its own transaction, counting the rows of `tables` it read (scans and
 * index fetches, pg_stat_xact_user_tables) and wrote (inserted or updated: their xmin).
 */
export function projectCounted(
  dataSource: DataSource,
  projection: LineageProjection,
  tables: readonly string[],
  entries: RecordedEntry[],
): Promise<ProjectedCost> {
  // Table names cannot be parameters: these are the tests' own constants, checked here.
  for (const table of tables) {
    if (!/^rm_[a-z_]+$/.test(table)) throw new Error(`projectCounted: not a read model: ${table}`);
  }
  const readHere = `
    SELECT COALESCE(sum(seq_tup_read + COALESCE(idx_tup_fetch, 0)), 0)::int AS rows
      FROM pg_stat_xact_user_tables WHERE relname = ANY($1::text[])`;
  const writtenHere = `
    SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t} WHERE xmin::text = x.id)::int`).join(' + ')} AS rows
      FROM (SELECT (txid_current() % 4294967296)::text AS id) x`;
  return dataSource.transaction(async (m: EntityManager) => {
    const [{ rows: before }] = await m.query<{ rows: number }[]>(readHere, [tables]);
    const cpu = await cpuClock(m);
    const started = process.hrtime.bigint();
    await projection.project(m, entries);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const { processMs, serverMs } = cpu();
    const cpuMs = processMs + serverMs;
    const [{ rows: after }] = await m.query<{ rows: number }[]>(readHere, [tables]);
    const [{ rows: written }] = await m.query<{ rows: number }[]>(writtenHere);
    return { ms, cpuMs, written, read: after - before };
  });
}

/** Five batches, one after another: the median times, the most rows written and read. */
export async function medianOfFiveBatches(
  project: (i: number) => Promise<ProjectedCost>,
): Promise<ProjectedCost> {
  const runs: ProjectedCost[] = [];
  for (let i = 0; i < 5; i += 1) runs.push(await project(i));
  return {
    ms: runs.map((r) => r.ms).sort((a, b) => a - b)[2],
    cpuMs: runs.map((r) => r.cpuMs).sort((a, b) => a - b)[2],
    written: Math.max(...runs.map((r) => r.written)),
    read: Math.max(...runs.map((r) => r.read)),
  };
}
