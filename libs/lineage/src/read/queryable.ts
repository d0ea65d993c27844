/** What the read services need of a connection: a DataSource or an EntityManager. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Runs a query whose row shape the caller's SQL guarantees. */
export async function rows<T>(db: Queryable, sql: string, parameters: unknown[]): Promise<T[]> {
  return (await db.query(sql, parameters)) as T[];
}
