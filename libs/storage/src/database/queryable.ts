import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What code that only runs SQL needs of a connection: a TypeORM DataSource, an
 * EntityManager inside a transaction, or a pg client all fit. One definition for every lib.
 */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * A loader of the reviewed `.sql` files in `directory` (a lib's sql/ folder; the build
 * copies them into dist beside the compiled module). Each file is read once; parameters are
 * always bound, never spliced.
 */
export function sqlFiles(directory: string): (name: string) => string {
  const cache = new Map<string, string>();
  return (name) => {
    let text = cache.get(name);
    if (text === undefined) {
      text = readFileSync(join(directory, `${name}.sql`), 'utf8');
      cache.set(name, text);
    }
    return text;
  };
}
