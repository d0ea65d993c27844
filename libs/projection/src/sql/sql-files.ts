import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const cache = new Map<string, string>();

/**
 * The hot queries live as reviewed .sql files beside this module (a change to one shows in
 * review as SQL). They are read once; parameters are always bound, never spliced.
 */
export function sql(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(sqlDirectory(), `${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}

function sqlDirectory(): string {
  // From src (tests) the files sit beside this module; from dist they are copied by the build.
  return __dirname;
}
