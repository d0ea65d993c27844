import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const cache = new Map<string, string>();

/**
 * The read side's hot queries, kept as reviewed .sql files beside this module (the build
 * copies them into dist). Read once; parameters are always bound, never spliced.
 */
export function readSql(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(__dirname, `${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}
