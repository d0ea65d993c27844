import type { Client } from 'pg';

/**
 * Makes PostgreSQL refuse updates of the `ingest_offsets` rows that `when` selects (an SQL
 * condition on NEW, written by the test) with a serialization failure (SQLSTATE 40001): a
 * real failure the partition's transaction cannot get past, which the ingest retries and
 * never quarantines. Created as the schema owner (the apps' role owns nothing), named `name`;
 * returns what removes it.
 */
export async function refuseOffsetUpdates(
  owner: Client,
  name: string,
  when: string,
): Promise<() => Promise<void>> {
  await owner.query(`
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '${name}: simulated serialization failure' USING ERRCODE = 'serialization_failure';
    END $$`);
  await owner.query(`
    CREATE TRIGGER ${name} BEFORE UPDATE ON ingest_offsets
    FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION ${name}()`);
  return async () => {
    await owner.query(`DROP TRIGGER IF EXISTS ${name} ON ingest_offsets`);
    await owner.query(`DROP FUNCTION IF EXISTS ${name}()`);
  };
}
