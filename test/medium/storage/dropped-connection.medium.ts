import { createDataSource } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';

/**
 * PostgreSQL ends connections on a restart or `pg_terminate_backend`. A connection that a
 * transaction holds between two statements has no pending query to fail, so pg raises the
 * drop as 'error' events; one unheard ends the process (the ingest did, mid-batch, when
 * PostgreSQL restarted). The DataSource hears it, the transaction fails, and the pool
 * serves the next transaction from a fresh connection.
 */
describe('a connection dropped between two statements (medium)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let superuser: DataSource;
  const dropped: Error[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource(db.url, {
      name: 'dropped-connection',
      poolSize: 2,
      onConnectionError: (error) => dropped.push(error),
    });
    superuser = createDataSource(db.superuserUrl, {
      name: 'dropped-connection-admin',
      poolSize: 1,
    });
    await Promise.all([dataSource.initialize(), superuser.initialize()]);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await superuser.destroy();
    await db.drop();
  });

  it('should fail the transaction that held it, tell the listener, and keep serving', async () => {
    const transaction = dataSource.transaction(async (manager) => {
      const [{ pid }] = await manager.query<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
      // Between two statements: the client is checked out, no query is pending.
      await superuser.query('SELECT pg_terminate_backend($1)', [pid]);
      await waitFor(() => dropped.length > 0);
      await manager.query('SELECT 1');
    });

    await expect(transaction).rejects.toThrow();
    expect(dropped[0].message).toBe('terminating connection due to administrator command');
    expect(await dataSource.query('SELECT 40 + 2 AS n')).toEqual([{ n: 42 }]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
