import type { MigrationInterface, QueryRunner } from 'typeorm';
import { bridgeGrantStatements, DEFAULT_BRIDGE_ROLE } from '../database/table-rights';

/**
 * The Orthanc bridge's own role (v1.1): where a role of the default name exists (the
 * embedded server makes it), it gets the bridge's tables and reads of the migrations table,
 * nothing else. `migrate` applies the same list at its end on every run (a role named by
 * BRIDGE_DATABASE_URL too), so this migration is the first grant of a database migrated
 * before the role existed. Forward only: taking the rights back would leave a running
 * bridge refused.
 */
export class BridgeRole1764109500000 implements MigrationInterface {
  name = 'BridgeRole1764109500000';

  async up(q: QueryRunner): Promise<void> {
    const [{ exists }] = (await q.query(
      'SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists',
      [DEFAULT_BRIDGE_ROLE],
    )) as { exists: boolean }[];
    if (!exists) return;
    const [{ owner }] = (await q.query(
      `SELECT pg_has_role(current_user, tableowner, 'MEMBER') AS owner FROM pg_tables
        WHERE schemaname = current_schema() AND tablename = 'bridge_cursors'`,
    )) as { owner: boolean }[];
    if (!owner) return; // migrated by a role that cannot grant: migrate's owner grants later
    const [{ schema }] = (await q.query('SELECT current_schema() AS schema')) as {
      schema: string;
    }[];
    // Later migrations add bridge tables; migrate's own grant at its end covers them.
    const tables = (await q.query(
      'SELECT tablename FROM pg_tables WHERE schemaname = current_schema()',
    )) as { tablename: string }[];
    const existing = new Set(tables.map((t) => t.tablename));
    for (const statement of bridgeGrantStatements(DEFAULT_BRIDGE_ROLE, schema, existing)) {
      await q.query(statement);
    }
  }

  down(): Promise<void> {
    return Promise.reject(new Error('BridgeRole1764109500000 is forward-only'));
  }
}
