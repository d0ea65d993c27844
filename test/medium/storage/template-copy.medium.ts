import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrateAs } from '@scantrail/storage';
import { createTestDatabase, e2eServices, type TestDatabase } from '../../support/test-env';
import { superuserUrlOf, TEMPLATE_ROLES } from '../../support/template-database';

/**
 * Test files get a copy of the run's migrated template instead of migrating a database each
 * (test/support/template-database.ts). That is only honest if the copy IS what `migrateAs`
 * makes for the file's roles: the same objects, owned by the same role, with the same
 * rights for the same roles (tables, columns, sequences, functions, types, the schema, the
 * database), the same migrations applied, and nothing left to the template's roles.
 */

interface Roles {
  owner: string;
  app: string;
  api: string;
  bridge: string;
}

/** A database made the way every test database was before the template: roles, then migrate. */
async function freshlyMigrated(adminUrl: string): Promise<{ name: string; roles: Roles }> {
  const name = `fresh_${randomBytes(4).toString('hex')}`;
  const roles: Roles = {
    owner: `${name}_owner`,
    app: `${name}_app`,
    api: `${name}_api`,
    bridge: `${name}_bridge`,
  };
  const password = randomBytes(16).toString('hex');
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  for (const role of Object.values(roles)) {
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  }
  await admin.query(`CREATE DATABASE ${name} OWNER ${roles.owner}`);
  await admin.end();
  const host = new URL(adminUrl).host;
  const urlOf = (role: string): string => `postgres://${role}:${password}@${host}/${name}`;
  await migrateAs(urlOf(roles.owner), urlOf(roles.app), urlOf(roles.api), urlOf(roles.bridge));
  return { name, roles };
}

/**
 * Every owner and every right in the database, one sorted line each, with the roles named by
 * what they are ('owner', 'app', ...) and any other role by its name.
 */
async function catalog(adminUrl: string, database: string, roles: Roles): Promise<string[]> {
  const client = new Client({ connectionString: superuserUrlOf(adminUrl, database) });
  await client.connect();
  try {
    const { rows } = await client.query<{ line: string }>(
      `WITH objects(kind, name, owner, acl) AS (
         SELECT 'relation ' || c.relkind::text, c.relname::text, c.relowner, c.relacl FROM pg_class c
          WHERE c.relnamespace = 'public'::regnamespace
         UNION ALL
         SELECT 'column', c.relname || '.' || a.attname, NULL::oid, a.attacl
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          WHERE c.relnamespace = 'public'::regnamespace AND a.attacl IS NOT NULL
         UNION ALL
         SELECT 'function', p.oid::regprocedure::text, p.proowner, p.proacl FROM pg_proc p
          WHERE p.pronamespace = 'public'::regnamespace
         UNION ALL
         SELECT 'type', t.typname::text, t.typowner, t.typacl FROM pg_type t
          WHERE t.typnamespace = 'public'::regnamespace
         UNION ALL
         SELECT 'trigger', c.relname || '.' || g.tgname, NULL::oid, NULL::aclitem[]
           FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
          WHERE c.relnamespace = 'public'::regnamespace
         UNION ALL
         SELECT 'schema', n.nspname::text, n.nspowner, n.nspacl FROM pg_namespace n
          WHERE n.nspname = 'public'
         UNION ALL
         SELECT 'database', 'this', d.datdba, d.datacl FROM pg_database d
          WHERE d.datname = current_database()
         UNION ALL
         SELECT 'default acl', d.defaclobjtype::text, d.defaclrole, d.defaclacl
           FROM pg_default_acl d)
       SELECT kind || ' ' || name || ' owner ' || coalesce(pg_get_userbyid(owner), '-') AS line
         FROM objects
       UNION ALL
       SELECT kind || ' ' || name || ' grants ' || a.privilege_type || ' to ' ||
              CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END ||
              ' by ' || pg_get_userbyid(a.grantor) || CASE WHEN a.is_grantable THEN ' with grant' ELSE '' END
         FROM objects, aclexplode(objects.acl) a
       UNION ALL
       SELECT 'migration ' || name FROM migrations`,
    );
    const named = new Map<string, string>([
      ...Object.entries(roles).map(([what, role]) => [role, what] as [string, string]),
      ...Object.entries(TEMPLATE_ROLES).map(
        ([what, role]) => [role, `TEMPLATE ${what}`] as [string, string],
      ),
    ]);
    return rows
      .map((r) => r.line.replace(/(?<=owner |to |by )(\S+)/g, (role) => named.get(role) ?? role))
      .sort();
  } finally {
    await client.end();
  }
}

describe('a test database copied from the run template (medium: PostgreSQL)', () => {
  let copy: TestDatabase;
  let fresh: { name: string; roles: Roles };
  const { adminUrl } = e2eServices();

  beforeAll(async () => {
    [copy, fresh] = await Promise.all([createTestDatabase(), freshlyMigrated(adminUrl)]);
  });

  afterAll(async () => {
    await copy?.drop();
    if (fresh) {
      const admin = new Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${fresh.name} WITH (FORCE)`);
      for (const role of Object.values(fresh.roles)) await admin.query(`DROP ROLE ${role}`);
      await admin.end();
    }
  });

  it('should be, owner by owner and right by right, the database migrate makes for its roles', async () => {
    const copyRoles: Roles = {
      owner: new URL(copy.ownerUrl).username,
      app: new URL(copy.url).username,
      api: new URL(copy.apiUrl).username,
      bridge: new URL(copy.bridgeUrl).username,
    };
    const [ofCopy, ofFresh] = await Promise.all([
      catalog(adminUrl, copy.name, copyRoles),
      catalog(adminUrl, fresh.name, fresh.roles),
    ]);
    // What the comparison stands on: the apps' table rights, the API's column insert, the
    // bridge's tables, functions owned by the owner, every migration.
    expect(ofFresh).toEqual(
      expect.arrayContaining([
        'relation r ledger_entries owner owner',
        'relation r ledger_entries grants SELECT to app by owner',
        'relation r ledger_entries grants SELECT to api by owner',
        'column access_log.actor grants INSERT to api by owner',
        'relation r bridge_held grants SELECT to bridge by owner',
        'function scantrail_append_in_order() owner owner',
        'migration AppendsInCommitOrder1764113000000',
      ]),
    );
    expect(ofCopy.filter((line) => line.includes('TEMPLATE'))).toEqual([]);
    expect(ofCopy).toEqual(ofFresh);
  });
});
