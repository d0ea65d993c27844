import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { apiResolvers, printApiSchema } from './api-schema';

const API_SRC = join(__dirname, '..');
const SCHEMA_FILE = join(API_SRC, '..', 'schema.graphql');

function resolverClassNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return resolverClassNames(path);
    if (!entry.name.endsWith('.resolver.ts')) return [];
    return [...readFileSync(path, 'utf8').matchAll(/^export class (\w+Resolver)\b/gm)].map(
      (m) => m[1] ?? '',
    );
  });
}

describe('the API schema', () => {
  it('should serve every resolver class written under apps/api/src through a feature module', () => {
    const served = apiResolvers().map((r) => r.name);
    expect([...served].sort()).toEqual(resolverClassNames(API_SRC).sort());
  });

  it('should match the checked-in schema.graphql (run `npm run codegen` after changing a resolver)', async () => {
    const sdl = await printApiSchema();
    expect(sdl).toContain('type Query {');
    expect(sdl).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });
});
