import type { EntityManager } from 'typeorm';
import type { Columns, Keep, ReadModelTable } from './read-model-tables';

/** A row as written: the handler's values plus the entry's time and sequence. */
export type BatchRow = Readonly<Record<string, unknown>> & {
  event_time: string;
  ledger_sequence: number;
};

/**
 * Writes a batch's rows of every table in `rows` in ONE statement (one round trip, one
 * plan), each table's rows met by the stored ones under its rule (see `Keep`) in its ON
 * CONFLICT clause, and returns the rows kept per table. The rows travel as one jsonb
 * object keyed by table name; each table's INSERT is a data-modifying WITH query of the
 * statement, and PostgreSQL runs all of them to completion whatever the outer SELECT reads.
 */
export async function writeTables(
  manager: EntityManager,
  rows: ReadonlyMap<ReadModelTable, readonly BatchRow[]>,
): Promise<Map<ReadModelTable, BatchRow[]>> {
  const kept = new Map<ReadModelTable, BatchRow[]>();
  const payload: Record<string, BatchRow[]> = {};
  const inserts: string[] = [];
  for (const [table, tableRows] of rows) {
    const keptOfTable = keptRows(table.keep, tableRows);
    kept.set(table, keptOfTable);
    if (keptOfTable.length === 0) continue;
    payload[table.name] = keptOfTable;
    inserts.push(
      `w${inserts.length} AS (${insertStatement(
        table.name,
        table.columns,
        `$1::jsonb -> '${table.name}'`,
        onConflict(table),
      )})`,
    );
  }
  if (inserts.length > 0) {
    await manager.query(`WITH ${inserts.join(',\n')}\nSELECT 1`, [JSON.stringify(payload)]);
  }
  return kept;
}

/** INSERT of the rows of a jsonb array (`source`, trusted SQL), cast by `columns`. */
function insertStatement(
  table: string,
  columns: Columns,
  source: string,
  onConflict: string,
): string {
  const names = Object.keys(columns);
  const definition = names.map((n) => `${n} ${columns[n]}`).join(', ');
  return `INSERT INTO ${table} (${names.join(', ')})
     SELECT ${names.join(', ')} FROM jsonb_to_recordset(${source}) AS r(${definition}) ${onConflict}`;
}

/** The rows of a batch that can win against each other, one per key where there is one. */
export function keptRows(keep: Keep, rows: readonly BatchRow[]): BatchRow[] {
  switch (keep.kind) {
    case 'every':
      return [...rows];
    case 'latest':
      return winners(rows, (r) => String(r[keep.key]), laterThan);
    case 'earliest':
      return winners(
        rows,
        (r) => keep.key.map((k) => String(r[k])).join('\u0000'),
        (row, current) => String(row[keep.by]) < String(current[keep.by]),
      );
  }
}

/** Later by (event_time, ledger_sequence): the order every "latest wins" rule uses. */
function laterThan(row: BatchRow, current: BatchRow): boolean {
  return (
    row.event_time > current.event_time ||
    (row.event_time === current.event_time && row.ledger_sequence > current.ledger_sequence)
  );
}

function winners(
  rows: readonly BatchRow[],
  key: (row: BatchRow) => string,
  beats: (row: BatchRow, current: BatchRow) => boolean,
): BatchRow[] {
  const kept = new Map<string, BatchRow>();
  for (const row of rows) {
    const k = key(row);
    const current = kept.get(k);
    if (!current || beats(row, current)) kept.set(k, row);
  }
  return [...kept.values()];
}

/** The same rule against the stored rows, as an ON CONFLICT clause. */
function onConflict({ name, columns, keep }: ReadModelTable): string {
  if (keep.kind === 'every') return '';
  const key = keep.kind === 'latest' ? [keep.key] : keep.key;
  const sets = Object.keys(columns)
    .filter((c) => !key.includes(c))
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');
  const wins =
    keep.kind === 'latest'
      ? `(EXCLUDED.event_time, EXCLUDED.ledger_sequence) > (${name}.event_time, ${name}.ledger_sequence)`
      : `EXCLUDED.${keep.by} < ${name}.${keep.by}`;
  return `ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${sets} WHERE ${wins}`;
}
