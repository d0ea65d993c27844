import type { MigrationInterface, QueryRunner } from 'typeorm';
import { apiGrantStatements, DEFAULT_API_ROLE } from '../database/table-rights';

/**
 * The API's own role (v1.1): where a role of the default name exists (the embedded server
 * makes it), it gets SELECT on every table and INSERT on the access log, nothing else.
 * `migrate` applies the same list at its end on every run (a role named by
 * API_DATABASE_URL too, and tables added later), so this migration is the first grant of a
 * database migrated before the role existed. Forward only: taking the rights back would
 * leave a running API refused.
 */
export class ApiRole1764108000000 implements MigrationInterface {
  name = 'ApiRole1764108000000';

  async up(q: QueryRunner): Promise<void> {
    const [{ exists }] = (await q.query(
      'SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists',
      [DEFAULT_API_ROLE],
    )) as { exists: boolean }[];
    if (!exists) return;
    const [{ owner }] = (await q.query(
      `SELECT pg_has_role(current_user, tableowner, 'MEMBER') AS owner FROM pg_tables
        WHERE schemaname = current_schema() AND tablename = 'access_log'`,
    )) as { owner: boolean }[];
    if (!owner) return; // migrated by a role that cannot grant: migrate's owner grants later
    const [{ schema }] = (await q.query('SELECT current_schema() AS schema')) as {
      schema: string;
    }[];
    // Tables of later migrations do not exist yet: migrate's end grants them.
    const tables = (await q.query(
      'SELECT tablename FROM pg_tables WHERE schemaname = current_schema()',
    )) as { tablename: string }[];
    const existing = new Set(tables.map((t) => t.tablename));
    for (const statement of apiGrantStatements(DEFAULT_API_ROLE, schema, existing)) {
      await q.query(statement);
    }
  }

  down(): Promise<void> {
    return Promise.reject(new Error('ApiRole1764108000000 is forward-only'));
  }
}
