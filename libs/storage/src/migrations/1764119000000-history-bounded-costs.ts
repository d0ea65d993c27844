import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdentifier } from '../database/table-rights';

/**
 * Costs that grew with history where each change is small (session 35).
 *
 * The breach impact kept by the projection (REFRESH_BREACH_IMPACT, 1764102000000): a new
 * holding asked every breach of its vendor (rm_breaches_vendor is by id) and a new dataset
 * member every breach of every vendor (no index on affected_dataset_ids), and a holding
 * inside a window read all the patient's other affected studies to count the patient once.
 * Now the breaches whose window ends at or after the holding (rm_breaches_exposure), those
 * naming the dataset (rm_breaches_datasets), and the first other study of the patient, and
 * the first one needing a notice (rm_breach_affected_patient, now in that order).
 *
 * The API's bridgeState counted every row of bridge_unrecorded_sends on each call (a table
 * that only grows), and read every send of the newest bridge step to page them. Now a kept
 * count per bridge (bridge_unrecorded_counts), moved in the
 * transaction of every change to the table by statement triggers that run as their owner
 * (SECURITY DEFINER, a fixed search_path, the table named with its schema, as
 * findings_generation's): the bridge's role only adds sends and reads the count, the API's
 * only reads, and neither can set it.
 *
 * `quarantine { totalCount }`, `duplicateConflicts { totalCount }` and the API's
 * scantrail_quarantined_messages gauge (read at every scrape) counted every row of
 * quarantined_messages and ingest_duplicate_conflicts, histories that refuse removal and
 * grow by one row per message anyone producing to the topic sends. Now kept counts
 * (history_counts), moved the same way by an insert trigger of each; their inserts already
 * take one lock per table (APPEND_ORDERED_TABLES), so the count's row adds no wait.
 */
/** The histories whose row counts history_counts keeps (their table names are its keys). */
export const COUNTED_HISTORIES = ['quarantined_messages', 'ingest_duplicate_conflicts'] as const;

export class HistoryBoundedCosts1764119000000 implements MigrationInterface {
  name = 'HistoryBoundedCosts1764119000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX rm_breaches_exposure ON rm_breaches (vendor_id, exposure_to)');
    await q.query(
      'CREATE INDEX rm_breaches_datasets ON rm_breaches USING gin (affected_dataset_ids)',
    );
    await q.query('DROP INDEX rm_breach_affected_patient');
    await q.query(`CREATE INDEX rm_breach_affected_patient
                     ON rm_breach_affected (breach_id, patient, deidentified, study_uid)`);

    const [{ schema }] = (await q.query('SELECT current_schema() AS schema')) as {
      schema: string;
    }[];
    const counts = `${quoteIdentifier(schema)}.bridge_unrecorded_counts`;
    await q.query(`
      CREATE TABLE bridge_unrecorded_counts (
        source text PRIMARY KEY, sends bigint NOT NULL CHECK (sends >= 0))`);
    // The API's page in its own order: by noticed_at alone, the sends one bridge step noticed
    // at the same now() were all read and sorted for each page.
    await q.query('DROP INDEX bridge_unrecorded_sends_noticed');
    await q.query(`CREATE INDEX bridge_unrecorded_sends_noticed ON bridge_unrecorded_sends
                     (noticed_at DESC, completed_at DESC NULLS LAST, source, job_key)`);
    // No send added between the count and the trigger (a running bridge waits).
    await q.query('LOCK TABLE bridge_unrecorded_sends IN SHARE ROW EXCLUSIVE MODE');
    await q.query(`
      INSERT INTO bridge_unrecorded_counts (source, sends)
      SELECT source, count(*) FROM bridge_unrecorded_sends GROUP BY source`);
    // Rows added (`added`) and removed (`removed`, by a superuser's hand: the apps' roles
    // may not), grouped per bridge.
    await q.query(`
      CREATE FUNCTION scantrail_unrecorded_sends_counted() RETURNS trigger LANGUAGE plpgsql
      SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
          UPDATE ${counts} c SET sends = c.sends - r.n
            FROM (SELECT source, count(*) AS n FROM removed GROUP BY source) r
           WHERE c.source = r.source;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO ${counts} AS c (source, sends)
          SELECT source, count(*) FROM added GROUP BY source
          ON CONFLICT (source) DO UPDATE SET sends = c.sends + EXCLUDED.sends;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION scantrail_unrecorded_sends_emptied() RETURNS trigger LANGUAGE plpgsql
      SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      BEGIN
        DELETE FROM ${counts};
        RETURN NULL;
      END $$`);
    for (const [event, transition] of [
      ['insert', 'NEW TABLE AS added'],
      ['delete', 'OLD TABLE AS removed'],
      ['update', 'OLD TABLE AS removed NEW TABLE AS added'],
    ] as const) {
      await q.query(`
        CREATE TRIGGER bridge_unrecorded_sends_counted_${event}
        AFTER ${event.toUpperCase()} ON bridge_unrecorded_sends REFERENCING ${transition}
        FOR EACH STATEMENT EXECUTE FUNCTION scantrail_unrecorded_sends_counted()`);
    }
    await q.query(`
      CREATE TRIGGER bridge_unrecorded_sends_counted_truncate
      AFTER TRUNCATE ON bridge_unrecorded_sends
      FOR EACH STATEMENT EXECUTE FUNCTION scantrail_unrecorded_sends_emptied()`);

    const histories = `${quoteIdentifier(schema)}.history_counts`;
    await q.query(`
      CREATE TABLE history_counts (
        history text PRIMARY KEY, total bigint NOT NULL CHECK (total >= 0))`);
    await q.query(`
      CREATE FUNCTION scantrail_history_counted() RETURNS trigger LANGUAGE plpgsql
      SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      BEGIN
        INSERT INTO ${histories} AS c (history, total)
        SELECT TG_TABLE_NAME, count(*) FROM added HAVING count(*) > 0
        ON CONFLICT (history) DO UPDATE SET total = c.total + EXCLUDED.total;
        RETURN NULL;
      END $$`);
    for (const table of COUNTED_HISTORIES) {
      await q.query(`LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`);
      await q.query(
        `INSERT INTO history_counts (history, total) SELECT $1, count(*) FROM ${table}`,
        [table],
      );
      await q.query(`
        CREATE TRIGGER ${table}_counted AFTER INSERT ON ${table} REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION scantrail_history_counted()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of COUNTED_HISTORIES) {
      await q.query(`DROP TRIGGER ${table}_counted ON ${table}`);
    }
    await q.query('DROP FUNCTION scantrail_history_counted()');
    await q.query('DROP TABLE history_counts');
    for (const event of ['insert', 'delete', 'update', 'truncate']) {
      await q.query(
        `DROP TRIGGER bridge_unrecorded_sends_counted_${event} ON bridge_unrecorded_sends`,
      );
    }
    await q.query('DROP FUNCTION scantrail_unrecorded_sends_emptied()');
    await q.query('DROP FUNCTION scantrail_unrecorded_sends_counted()');
    await q.query('DROP TABLE bridge_unrecorded_counts');
    await q.query('DROP INDEX bridge_unrecorded_sends_noticed');
    await q.query(
      'CREATE INDEX bridge_unrecorded_sends_noticed ON bridge_unrecorded_sends (noticed_at DESC)',
    );
    await q.query('DROP INDEX rm_breach_affected_patient');
    await q.query(
      'CREATE INDEX rm_breach_affected_patient ON rm_breach_affected (breach_id, patient)',
    );
    await q.query('DROP INDEX rm_breaches_datasets, rm_breaches_exposure');
  }
}
