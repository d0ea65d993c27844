import { readSql } from '../sql/read-sql';
import { rows, type Queryable } from '../sql/queryable';

/**
 * The findings generation of the database `db` reads from, as text (a bigint): it changes
 * in the same transaction as any change to the stored findings or their kept counts. Read
 * it before the findings, from the same database: an answer made after it is exact for as
 * long as the generation stays.
 */
export async function findingsGeneration(db: Queryable): Promise<string> {
  const [row] = await rows<{ generation: string }>(db, readSql('findings-generation'), []);
  if (row === undefined) throw new Error('findings_generation has no row: run the migrations');
  return row.generation;
}
