import { createHash } from 'node:crypto';
import type { Queryable } from '@scantrail/storage';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

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

/** The pg pool behind a DataSource (TypeORM's PostgresDriver keeps it as `master`). */
function poolOf(db: DataSource): Pool {
  return (db.driver as PostgresDriver).master as Pool;
}

/**
 * Runs a query whose row shape the caller's SQL guarantees. Outside a transaction the
 * query goes as a named prepared statement: PostgreSQL then parses and plans each hot
 * query once per connection instead of on every request, which measured as 2-3x the
 * throughput of `trace` and the accounting at 1M events (bench/README.md, API).
 * `DataSource.query` cannot name a statement, so it takes a connection from the
 * DataSource's own pg pool (the same pool and settings TypeORM uses) for the one
 * statement: without a TypeORM QueryRunner, which costs each request an object, its
 * bookkeeping and a promise chain for nothing here. A connection that fails while
 * checked out is released with its error, so the pool drops it; a failed statement
 * (a timeout, a refused value) leaves the connection in the pool, as TypeORM does.
 */
export async function rows<T>(db: Queryable, sql: string, parameters: unknown[]): Promise<T[]> {
  if (!(db instanceof DataSource)) return (await db.query(sql, parameters)) as T[];
  const client = await poolOf(db).connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    const result = await client.query({ name: statementName(sql), text: sql, values: parameters });
    return result.rows as T[];
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
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
