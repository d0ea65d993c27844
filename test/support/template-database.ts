import { randomBytes } from 'node:crypto';
import { withClient } from '@scantrail/local-postgres';
import { migrateAs, quoteIdentifier } from '@scantrail/storage';

/**
 * Every test file gets a database of its own, migrated, with the roles of CONTRACT section 5.
 * Running the 40-odd migrations for each of them cost about a second of both cores per file,
 * so the global setup migrates ONE database (this template) with roles of its own, and each
 * test database is a copy of it (CREATE DATABASE ... TEMPLATE) handed to the file's own
 * roles: ownership reassigned, the template roles' rights dropped, then `migrateAs` as in
 * production (no migration pending; it grants the file's roles exactly TABLE_RIGHTS).
 * template-database.medium.ts compares a copy with a freshly migrated database, catalog by
 * catalog (owners, rights, objects, migrations applied).
 */
export const TEMPLATE_DATABASE = 'scantrail_test_template';

/** The template's roles (cluster-wide, like every test database's). */
export const TEMPLATE_ROLES = {
  owner: 'scantrail_test_template_owner',
  app: 'scantrail_test_template_app',
  api: 'scantrail_test_template_api',
  bridge: 'scantrail_test_template_bridge',
} as const;

export interface DatabaseRoles {
  owner: string;
  app: string;
  api: string;
  bridge: string;
}

/** `adminUrl` (the cluster's superuser, on its `postgres` database) pointed at `database`. */
export function superuserUrlOf(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Makes and migrates the template, as the owner role, then gives the database itself to the
 * superuser: a copy's REASSIGN OWNED moves the owner's databases too, and the template must
 * stay the template's.
 */
export async function createTemplateDatabase(adminUrl: string): Promise<void> {
  const passwords = Object.fromEntries(
    Object.values(TEMPLATE_ROLES).map((role) => [role, randomBytes(16).toString('hex')]),
  );
  await withClient(adminUrl, async (admin) => {
    for (const role of Object.values(TEMPLATE_ROLES)) {
      await admin.query(`CREATE ROLE ${quoteIdentifier(role)} LOGIN PASSWORD '${passwords[role]}'`);
    }
    await admin.query(
      `CREATE DATABASE ${quoteIdentifier(TEMPLATE_DATABASE)} OWNER ${quoteIdentifier(TEMPLATE_ROLES.owner)}`,
    );
  });
  const at = new URL(adminUrl);
  const urlOf = (role: string): string =>
    `postgres://${role}:${passwords[role]}@${at.host}/${TEMPLATE_DATABASE}`;
  await migrateAs(
    urlOf(TEMPLATE_ROLES.owner),
    urlOf(TEMPLATE_ROLES.app),
    urlOf(TEMPLATE_ROLES.api),
    urlOf(TEMPLATE_ROLES.bridge),
  );
  await withClient(adminUrl, async (admin) => {
    await admin.query(`ALTER DATABASE ${quoteIdentifier(TEMPLATE_DATABASE)} OWNER TO CURRENT_USER`);
    // Nobody may connect to it while it is copied (CREATE DATABASE refuses a busy template).
    await admin.query(
      `ALTER DATABASE ${quoteIdentifier(TEMPLATE_DATABASE)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`,
    );
  });
}

/**
 * A copy of the template named `name`, owned by `roles.owner` (as though that role had made
 * and migrated it), with none of the template roles' rights left. The caller then runs
 * `migrateAs` with its own roles: it grants them TABLE_RIGHTS.
 */
export async function copyTemplateDatabase(
  adminUrl: string,
  name: string,
  roles: DatabaseRoles,
): Promise<void> {
  await withClient(adminUrl, (admin) =>
    admin.query(
      `CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(TEMPLATE_DATABASE)} OWNER ${quoteIdentifier(roles.owner)}`,
    ),
  );
  await withClient(superuserUrlOf(adminUrl, name), async (copy) => {
    await copy.query(
      `REASSIGN OWNED BY ${quoteIdentifier(TEMPLATE_ROLES.owner)} TO ${quoteIdentifier(roles.owner)}`,
    );
    // The template roles' rights (its owner, reassigned, owns nothing here any more).
    await copy.query(
      `DROP OWNED BY ${[TEMPLATE_ROLES.app, TEMPLATE_ROLES.api, TEMPLATE_ROLES.bridge]
        .map(quoteIdentifier)
        .join(', ')}`,
    );
  });
}
