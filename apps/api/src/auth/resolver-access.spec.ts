import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ACCESS_RULE, type AccessRule } from './resolver-access';

// The metadata @nestjs/graphql puts on every method decorated with @Query, @Mutation or
// @ResolveField (its value may be undefined: only its presence counts).
const GRAPHQL_HANDLER_KEY = 'graphql:resolver_name';

function resolverFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return resolverFiles(path);
    return entry.name.endsWith('.resolver.ts') ? [path] : [];
  });
}

interface Handler {
  where: string;
  rule: AccessRule | undefined;
}

/** Every GraphQL handler method of every resolver class under apps/api/src. */
function handlers(): Handler[] {
  const root = join(__dirname, '..');
  return resolverFiles(root).flatMap((file) => {
    const exports = require(file) as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-require-imports
    return Object.values(exports)
      .filter((value): value is new () => object => typeof value === 'function')
      .flatMap((cls) => {
        const proto = cls.prototype as Record<string, unknown>;
        return Object.getOwnPropertyNames(proto)
          .filter((name) => typeof proto[name] === 'function' && name !== 'constructor')
          .filter((name) => Reflect.hasMetadata(GRAPHQL_HANDLER_KEY, proto[name] as object))
          .map((name) => ({
            where: `${relative(root, file)} ${cls.name}.${name}`,
            rule: Reflect.getMetadata(ACCESS_RULE, proto[name] as object) as AccessRule | undefined,
          }));
      });
  });
}

describe('GraphQL resolvers', () => {
  const all = handlers();

  it('should be found at all (the scan reads the resolvers it is meant to guard)', () => {
    expect(all.length).toBeGreaterThanOrEqual(30);
    expect(all.map((h) => h.where)).toEqual(
      expect.arrayContaining([expect.stringContaining('QuarantineResolver.quarantine')]),
    );
  });

  it('should each declare an access rule (@AnyRole or @Requires), so none is left unguarded', () => {
    expect(all.filter((h) => h.rule === undefined).map((h) => h.where)).toEqual([]);
  });

  it('should keep patient accounting, quarantine and the access log to the roles that hold them', () => {
    const rules = Object.fromEntries(
      all.map((h) => [h.where.split(' ')[1], h.rule?.permission ?? 'any role']),
    );
    expect(rules).toMatchObject({
      'DisclosureAccountingResolver.accountingOfDisclosures': 'patient-accounting',
      'QuarantineResolver.quarantine': 'quarantine',
      'AccessLogResolver.accessLog': 'access-log',
    });
  });
});
