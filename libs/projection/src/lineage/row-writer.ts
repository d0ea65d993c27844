import type { EntityManager } from 'typeorm';

/** One column of a read-model table and its PostgreSQL type (for jsonb_to_recordset). */
export type Columns = Readonly<Record<string, string>>;

/**
 * Inserts rows in ONE statement: the rows travel as a single jsonb parameter, which
 * PostgreSQL unpacks with jsonb_to_recordset (arrays included). `onConflict` is trusted
 * SQL written in this library, never data.
 */
export async function insertRows(
  manager: EntityManager,
  table: string,
  columns: Columns,
  rows: readonly Record<string, unknown>[],
  onConflict = '',
): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(columns);
  const definition = names.map((n) => `${n} ${columns[n]}`).join(', ');
  await manager.query(
    `INSERT INTO ${table} (${names.join(', ')})
     SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${definition}) ${onConflict}`,
    [JSON.stringify(rows)],
  );
}

/** Keeps, per key, the row that wins by (eventTime, ledgerSequence): the latest. */
export function latestByKey<T extends { event_time: string; ledger_sequence: number }>(
  rows: readonly T[],
  key: (row: T) => string,
): T[] {
  const winners = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    const current = winners.get(k);
    if (
      !current ||
      row.event_time > current.event_time ||
      (row.event_time === current.event_time && row.ledger_sequence > current.ledger_sequence)
    ) {
      winners.set(k, row);
    }
  }
  return [...winners.values()];
}

/** SQL for an upsert that replaces a row only with a later (event_time, ledger_sequence). */
export function replaceIfLater(table: string, key: string, columns: Columns): string {
  const sets = Object.keys(columns)
    .filter((c) => c !== key)
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');
  return `ON CONFLICT (${key}) DO UPDATE SET ${sets}
    WHERE (EXCLUDED.event_time, EXCLUDED.ledger_sequence) > (${table}.event_time, ${table}.ledger_sequence)`;
}
