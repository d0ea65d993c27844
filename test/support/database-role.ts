// What the attacks on the database roles (test/storage, test/medium/storage) do with a
// role's credentials: run a statement as that role or try one and roll it back, open its
// connections until the server refuses one, and start the embedded server of `npm start`
// on a data folder of the test's own.
import { withClient } from '@scantrail/local-postgres';
import { openDatabase, type Database } from '@scantrail/storage';
import { Client, type DatabaseError } from 'pg';
import { startPostgresProcess } from './postgres-process';

/**
 * The rows of `sql` run on a connection of its own to `url`. Without parameters it is a
 * simple query, which may hold several statements (BEGIN; LOCK ...).
 */
export async function queryAs<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(
    url,
    async (c) => (await (params.length > 0 ? c.query(sql, params) : c.query(sql))).rows as T[],
  );
}

/**
 * Runs `sql` as `client` in a transaction rolled back either way: the error, if refused, so
 * that a write a role may make leaves nothing behind.
 */
export async function attemptRolledBack(
  client: Client,
  sql: string,
): Promise<DatabaseError | undefined> {
  await client.query('BEGIN');
  try {
    await client.query(sql);
    return undefined;
  } catch (error) {
    return error as DatabaseError;
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * Opens connections to `url`, one after the other, until the server refuses one or `most`
 * are open. The caller ends `opened`; `refused` is the refusal (undefined: none came).
 */
export async function connectUntilRefused(
  url: string,
  most: number,
): Promise<{ opened: Client[]; refused: unknown }> {
  const opened: Client[] = [];
  let refused: unknown;
  for (let i = 0; i < most && refused === undefined; i += 1) {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect().then(
      () => opened.push(client),
      (error: unknown) => (refused = error),
    );
  }
  return { opened, refused };
}

/**
 * The embedded server on `dataDir`, its roles and migrations as `npm start` makes them.
 * Opened again on the same folder, it keeps its data and its credentials file.
 */
export function openEmbeddedDatabase(
  dataDir: string,
  name: string,
  poolSize: number,
): Promise<Database> {
  return openDatabase({
    dataDir,
    name,
    poolSize,
    localDatabase: (dir) => startPostgresProcess(dir),
  });
}
