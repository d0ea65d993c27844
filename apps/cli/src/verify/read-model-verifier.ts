import { catchUpFindings, FINDINGS_LOCK_CLASS } from '@scantrail/projection';
import { LedgerLog, READ_MODEL_TABLES, TABLE_RIGHTS, quoteIdentifier } from '@scantrail/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { projectLedger } from '../commands/rebuild.command';

export type DifferenceKind =
  /** The replay has the row, the read model does not (e.g. a deleted finding). */
  | 'missing'
  /** The read model has a row the replay does not. */
  | 'extra'
  /** Same key, other values. */
  | 'changed';

export interface ReadModelDifference {
  table: string;
  kind: DifferenceKind;
  /** The row's primary key, column by column. */
  key: Record<string, unknown>;
  /** For `changed`: the columns whose values differ (names only). */
  columns?: string[];
}

export interface ReadModelReport {
  entries: number;
  tables: number;
  differences: ReadModelDifference[];
  /** Differences found, also those past the listing cap. */
  total: number;
}

interface DifferenceRow {
  kind: DifferenceKind;
  /** The primary key's values, in its column order. */
  keyValues: unknown[];
  expected: Record<string, unknown> | null;
  actual: Record<string, unknown> | null;
}

/** Most differences listed (all are counted). */
const LISTED = 10_000;

/**
 * Replays the whole ledger into temporary copies of every read-model table (they shadow
 * the real ones for this session only) and compares them row by row, by primary key, with
 * the read models the ingest keeps. One REPEATABLE READ transaction, rolled back: the
 * ledger and read models are compared at one snapshot, and nothing is written. Needs no
 * right beyond the apps' role (temporary tables are every role's).
 *
 * The ingest's findings worker may be behind the ledger: before the snapshot, verify takes
 * the findings lock (the worker waits meanwhile) and, inside the transaction, brings the
 * stored findings up to the snapshot's ledger first, as the worker would; those writes are
 * rolled back with the rest.
 */
export async function verifyReadModels(
  dataSource: DataSource,
  onProgress?: (replayed: number) => void,
  log = new LedgerLog('verify'),
): Promise<ReadModelReport> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  let locked = false;
  try {
    // Session-level, taken before the transaction: the snapshot then follows the worker's
    // last commit, and no worker writes findings until verify lets go.
    await runner.query('SELECT pg_advisory_lock($1, $2)', [FINDINGS_LOCK_CLASS, log.lockKey]);
    locked = true;
    await runner.startTransaction('REPEATABLE READ');
    const manager = runner.manager;
    for (let round = await catchUpFindings(manager, log); round.evaluated > 0;) {
      round = await catchUpFindings(manager, log);
    }
    // A view names its tables once, as it is made: the read models' views (rm_findings) are
    // made again over the temporary copies, from their definitions read before the copies
    // shadow the tables' names (pg_get_viewdef leaves them unqualified because the session's
    // search_path is the pinned `public`: sessionOptions in libs/storage).
    const views = await manager.query<{ name: string; definition: string }[]>(
      `SELECT viewname AS name, definition FROM pg_views WHERE schemaname = 'public'
          AND viewname = ANY($1::text[])`,
      [Object.keys(TABLE_RIGHTS)],
    );
    for (const table of READ_MODEL_TABLES) {
      const name = quoteIdentifier(table);
      await manager.query(
        `CREATE TEMPORARY TABLE ${name} (LIKE public.${name} INCLUDING ALL) ON COMMIT DROP`,
      );
    }
    for (const view of views) {
      await manager.query(
        `CREATE TEMPORARY VIEW ${quoteIdentifier(view.name)} AS ${view.definition}`,
      );
    }
    const entries = await projectLedger(manager, onProgress);
    const differences: ReadModelDifference[] = [];
    let total = 0;
    for (const table of READ_MODEL_TABLES) {
      const rows = await differencesIn(manager, table);
      total += rows.length;
      for (const row of rows.slice(0, Math.max(0, LISTED - differences.length))) {
        differences.push({
          table,
          kind: row.kind,
          key: row.key,
          ...(row.kind === 'changed' ? { columns: changedColumns(row) } : {}),
        });
      }
    }
    return { entries, tables: READ_MODEL_TABLES.length, differences, total };
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    if (locked) {
      await runner.query('SELECT pg_advisory_unlock($1, $2)', [FINDINGS_LOCK_CLASS, log.lockKey]);
    }
    await runner.release();
  }
}

async function primaryKey(manager: EntityManager, table: string): Promise<string[]> {
  const rows = await manager.query<{ column: string }[]>(
    `SELECT a.attname AS column
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [`public.${quoteIdentifier(table)}`],
  );
  if (rows.length === 0) {
    throw new Error(`read model ${table} has no primary key: verify compares rows by it`);
  }
  return rows.map((r) => r.column);
}

/** Rows of the replay (pg_temp) and of the read model (public) that disagree. */
async function differencesIn(
  manager: EntityManager,
  table: string,
): Promise<(DifferenceRow & { key: Record<string, unknown> })[]> {
  const name = quoteIdentifier(table);
  const columns = await primaryKey(manager, table);
  const key = columns.map(quoteIdentifier);
  const first = key[0];
  const on = key.map((k) => `e.${k} = a.${k}`).join(' AND ');
  const keyValues = key.map((k) => `coalesce(e.${k}, a.${k})`).join(', ');
  const rows = await manager.query<DifferenceRow[]>(
    `SELECT CASE WHEN a.${first} IS NULL THEN 'missing'
                 WHEN e.${first} IS NULL THEN 'extra'
                 ELSE 'changed' END AS kind,
            jsonb_build_array(${keyValues}) AS "keyValues",
            to_jsonb(e) AS expected, to_jsonb(a) AS actual
       FROM pg_temp.${name} e FULL JOIN public.${name} a ON ${on}
      WHERE a.${first} IS NULL OR e.${first} IS NULL OR to_jsonb(e) <> to_jsonb(a)
      ORDER BY ${keyValues}`,
  );
  // Keys in primary-key order (a jsonb object would sort them).
  return rows.map((row) => ({
    ...row,
    key: Object.fromEntries(columns.map((c, i) => [c, row.keyValues[i]])),
  }));
}

function changedColumns(row: DifferenceRow): string[] {
  const expected = row.expected ?? {};
  const actual = row.actual ?? {};
  return Object.keys(expected).filter(
    (column) => JSON.stringify(expected[column]) !== JSON.stringify(actual[column]),
  );
}

/** One line per difference, e.g. `rm_findings missing {"ledger_sequence":12,...}`. */
export function describeDifference(d: ReadModelDifference): string {
  const columns = d.columns ? ` (columns: ${d.columns.join(', ')})` : '';
  return `${d.table} ${d.kind} ${JSON.stringify(d.key)}${columns}`;
}
