import { createHash } from 'node:crypto';
import type { Queryable } from '@scantrail/storage';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { READ_TYPES } from './read-types';

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
 * throughput of `trace` and the accounting at 1M events (bench/HISTORY.md, API).
 * `DataSource.query` cannot name a statement, so it takes a connection from the
 * DataSource's own pg pool (the same pool and settings TypeORM uses) for the one
 * statement: without a TypeORM QueryRunner, which costs each request an object, its
 * bookkeeping and a promise chain for nothing here. A connection that fails while
 * checked out is released with its error, so the pool drops it; a failed statement
 * (a timeout, a refused value) leaves the connection in the pool, as TypeORM does. Its
 * timestamps are read by READ_TYPES (the same Dates, parsed by position).
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
    const result = await client.query({
      name: statementName(sql),
      text: sql,
      values: parameters,
      types: READ_TYPES,
    });
    return result.rows as T[];
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/**
 * Independent reads: at once on a pool (each takes its own connection), one after another
 * when `db` is one connection (a transaction's manager, as the projection hands it), where
 * node-pg would queue them anyway and warns that pg 9 will refuse a query sent while another
 * runs on the same client. It settles only once every read has: when one fails, the first
 * failure (in the order given) is thrown after the others finished, so a lookup's access-log
 * record has committed (or failed) before its caller hears of a failed read.
 */
export async function readAll<T extends readonly unknown[]>(
  db: Queryable,
  reads: { readonly [K in keyof T]: () => Promise<T[K]> },
): Promise<T> {
  if (db instanceof DataSource) {
    const settled = await Promise.allSettled(reads.map((read) => read()));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
  }
  const done: unknown[] = [];
  for (const read of reads) done.push(await read());
  return done as unknown as T;
}
