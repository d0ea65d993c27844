import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdentifier } from '../database/table-rights';

/** The tables whose rows a findings answer is made of (FindingsReadService.page). */
export const FINDINGS_ANSWER_TABLES = ['rm_findings', 'rm_findings_counts'] as const;

/**
 * The statement triggers that move findings_generation on `table`'s changes, named
 * `<table>_generation_<event>` (migration 1764112000000 adds them to rm_finding_details).
 */
export async function createGenerationTriggers(q: QueryRunner, table: string): Promise<void> {
  // PostgreSQL allows a transition table only on a trigger of one event.
  for (const [event, transition] of [
    ['INSERT', 'NEW'],
    ['UPDATE', 'NEW'],
    ['DELETE', 'OLD'],
  ] as const) {
    await q.query(`
      CREATE TRIGGER ${table}_generation_${event.toLowerCase()} AFTER ${event} ON ${table}
      REFERENCING ${transition} TABLE AS changed
      FOR EACH STATEMENT EXECUTE FUNCTION scantrail_findings_changed()`);
  }
  await q.query(`
    CREATE TRIGGER ${table}_generation_truncate AFTER TRUNCATE ON ${table}
    FOR EACH STATEMENT EXECUTE FUNCTION scantrail_findings_truncated()`);
}

/**
 * A counter that moves in the same transaction as every change to the stored findings and
 * their kept counts, whoever writes them (the findings worker, `cli rebuild`, a fast
 * loader, a superuser's hand): statement triggers on both tables bump it when the
 * statement changed at least one row (a round that changes no finding leaves it, so a
 * growing ledger keeps the API's findings answers cached) and on every TRUNCATE. The API
 * reads it before answering `findings` from its cache: an answer kept under the
 * generation it read is the answer the stored findings give until it moves.
 *
 * The apps' role may only read the counter (TABLE_RIGHTS 'read'); the trigger functions
 * run as their owner (SECURITY DEFINER, a fixed search_path, the table named with its
 * schema), so the apps' role moves it only by writing findings it may write, and can
 * neither set nor reset it. It starts at the migration's time in microseconds, so a
 * database made again from nothing does not meet an API's cached generations.
 */
export class FindingsGeneration1764107000000 implements MigrationInterface {
  name = 'FindingsGeneration1764107000000';

  async up(q: QueryRunner): Promise<void> {
    const [{ schema }] = (await q.query('SELECT current_schema() AS schema')) as {
      schema: string;
    }[];
    const table = `${quoteIdentifier(schema)}.findings_generation`;
    await q.query(`
      CREATE TABLE findings_generation (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        generation bigint NOT NULL)`);
    await q.query(`
      INSERT INTO findings_generation (generation)
      SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint`);
    // One function for the row events (their transition table is named `changed`), one
    // for TRUNCATE, which has none.
    await q.query(`
      CREATE FUNCTION scantrail_findings_changed() RETURNS trigger LANGUAGE plpgsql
      SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM changed) THEN
          UPDATE ${table} SET generation = generation + 1;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION scantrail_findings_truncated() RETURNS trigger LANGUAGE plpgsql
      SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      BEGIN
        UPDATE ${table} SET generation = generation + 1;
        RETURN NULL;
      END $$`);
    for (const name of FINDINGS_ANSWER_TABLES) await createGenerationTriggers(q, name);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of FINDINGS_ANSWER_TABLES) {
      for (const event of ['insert', 'update', 'delete', 'truncate']) {
        await q.query(`DROP TRIGGER ${name}_generation_${event} ON ${name}`);
      }
    }
    await q.query('DROP FUNCTION scantrail_findings_truncated()');
    await q.query('DROP FUNCTION scantrail_findings_changed()');
    await q.query('DROP TABLE findings_generation');
  }
}
