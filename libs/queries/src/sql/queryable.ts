import { createHash } from 'node:crypto';
import type { Queryable } from '@scantrail/storage';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';

export type { Queryable };

const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `rd_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * Runs a query whose row shape the caller's SQL guarantees. Outside a transaction the
 * query goes as a named prepared statement: PostgreSQL then parses and plans each hot
 * query once per connection instead of on every request, which measured as 2-3x the
 * throughput of `trace` and the accounting at 1M events (bench/README.md, API).
 * `DataSource.query` cannot name a statement, so it takes a pooled connection through
 * TypeORM's public QueryRunner, whose `connect()` gives the pg client itself.
 */
export async function rows<T>(db: Queryable, sql: string, parameters: unknown[]): Promise<T[]> {
  if (!(db instanceof DataSource)) return (await db.query(sql, parameters)) as T[];
  const runner = db.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    const result = await client.query({ name: statementName(sql), text: sql, values: parameters });
    return result.rows as T[];
  } finally {
    await runner.release();
  }
}

/**
 * Runs one statement with `workMem` for its sorts and hashes (`set_config('work_mem', ...,
 * true)` in a transaction of its own): for the few statements that aggregate a whole
 * vendor's holdings at once. breachImpact's counts over the 166,593 studies of the largest
 * holder at 1M events spilled three hash aggregates to disk at PostgreSQL's default 4 MB
 * (5 batches, 11 MB written); they fit in one batch at 64 MB.
 */
export async function rowsWithWorkMem<T>(
  db: Queryable,
  workMem: string,
  sql: string,
  parameters: unknown[],
): Promise<T[]> {
  if (!(db instanceof DataSource)) return rows(db, sql, parameters);
  return db.transaction(async (tx): Promise<T[]> => {
    await tx.query("SELECT set_config('work_mem', $1, true)", [workMem]);
    return tx.query<T[]>(sql, parameters);
  });
}
