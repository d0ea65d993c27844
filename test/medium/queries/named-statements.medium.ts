import { createDataSource } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { rows } from '@scantrail/queries';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';

/**
 * Read queries reach PostgreSQL as named prepared statements through TypeORM's public
 * QueryRunner (planned once per connection), and as plain queries inside a transaction.
 */
describe('read queries as named statements (medium)', () => {
  let db: TestDatabase;
  let single: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    // One connection, so the statement prepared by one call is visible to the next.
    single = createDataSource(db.url, { name: 'named-statements', poolSize: 1 });
    await single.initialize();
  });

  afterAll(async () => {
    await single.destroy();
    await db.drop();
  });

  const prepared = async (): Promise<string[]> =>
    (
      await single.query<{ name: string }[]>(
        "SELECT name FROM pg_prepared_statements WHERE name LIKE 'rd\\_%' ORDER BY name",
      )
    ).map((r) => r.name);

  it('should prepare a read once per connection and reuse it when given a DataSource', async () => {
    const sql = 'SELECT $1::int + 1 AS n';
    expect(await rows<{ n: number }>(single, sql, [1])).toEqual([{ n: 2 }]);
    const names = await prepared();
    expect(names).toHaveLength(1);
    expect(await rows<{ n: number }>(single, sql, [41])).toEqual([{ n: 42 }]);
    expect(await prepared()).toEqual(names);
  });

  it('should run a plain query when given the manager of a transaction', async () => {
    const before = await prepared();
    const answer = await single.transaction((m) =>
      rows<{ n: number }>(m, 'SELECT $1::int * 2 AS n', [21]),
    );
    expect(answer).toEqual([{ n: 42 }]);
    expect(await prepared()).toEqual(before);
  });

  it('should give the connection back when a read fails', async () => {
    await expect(rows(single, 'SELECT 1 / $1::int AS n', [0])).rejects.toThrow('division by zero');
    // The pool has one connection: a leak would make this wait until the test times out.
    expect(await rows<{ n: number }>(single, 'SELECT $1::int AS n', [7])).toEqual([{ n: 7 }]);
  });
});
