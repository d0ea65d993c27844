import type { DataSource } from 'typeorm';
import { createDataSource, migrate, roleOf } from './data-source';

/** A development server started when no DATABASE_URL is set (see @scantrail/local-postgres). */
export interface LocalDatabase {
  /** As the apps' role. */
  url: string;
  /** As the role that owns the schema (used to migrate); unset: `url`. */
  migrationUrl?: string;
  /** As the API's role (reads, and writes the access log only); unset: `url`. */
  apiUrl?: string;
  stop(): Promise<void>;
}

export interface Database {
  /** The pool of the apps' role (DATABASE_URL), or of the API's when opened `as: 'api'`. */
  dataSource: DataSource;
  /** The apps' connection (DATABASE_URL); the API's when the API was given only its own. */
  url: string;
  /** The API's connection: API_DATABASE_URL, else the embedded server's API role, else `url`. */
  apiUrl: string;
  /** The schema owner's connection (MIGRATION_DATABASE_URL, default DATABASE_URL). */
  migrationUrl: string;
  /** Closes the pool and stops the embedded server if this process started it. */
  close(): Promise<void>;
}

const MIGRATION_LOCK = 0x5c7b;

/**
 * Applies pending migrations as the schema owner (`migrationUrl`) under an advisory lock
 * (processes starting together take turns instead of racing), then grants the apps' role
 * (the user of `appUrl`) its rights when it is another role, and the API's role (the user
 * of `apiUrl`, else DEFAULT_API_ROLE when it exists) its own.
 */
export async function migrateAs(
  migrationUrl: string,
  appUrl: string | undefined,
  apiUrl?: string,
): Promise<string[]> {
  // Two connections: the lock holds one while migrations use another.
  const owner = createDataSource(migrationUrl, { name: 'migrate', poolSize: 2 });
  await owner.initialize();
  const runner = owner.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await migrate(owner, {
      appRole: appUrl === undefined ? undefined : roleOf(appUrl),
      apiRole: apiUrl === undefined ? undefined : roleOf(apiUrl),
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42501' && (migrationUrl === appUrl || migrationUrl === apiUrl)) {
      throw new Error(
        `migrations need the role that owns the schema, not "${roleOf(migrationUrl)}": set MIGRATION_DATABASE_URL (${(error as Error).message})`,
      );
    }
    throw error;
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
    await owner.destroy();
  }
}

/**
 * Connects to DATABASE_URL, or to the development server `localDatabase` starts (as its
 * apps' role), after applying pending migrations as MIGRATION_DATABASE_URL (default:
 * DATABASE_URL; for the development server, its owner role). Opened `as: 'api'`, the pool
 * connects as the API's role instead (API_DATABASE_URL, else the development server's API
 * role, else DATABASE_URL), and a process given API_DATABASE_URL needs no DATABASE_URL.
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  migrationDatabaseUrl?: string;
  /** API_DATABASE_URL: the API's own role, granted its rights by every migrate. */
  apiDatabaseUrl?: string;
  as?: 'app' | 'api';
  dataDir: string;
  name: string;
  poolSize?: number;
  migrate?: boolean;
  onConnectionError?: (error: Error) => void;
  /** Starts a development server when databaseUrl is unset; without it the URL is required. */
  localDatabase?: (dataDir: string) => Promise<LocalDatabase>;
}): Promise<Database> {
  const given =
    options.as === 'api' ? (options.apiDatabaseUrl ?? options.databaseUrl) : options.databaseUrl;
  const embedded = given ? undefined : await startLocalDatabase(options);
  const appUrl = options.databaseUrl ?? embedded?.url;
  const apiUrl = options.apiDatabaseUrl ?? embedded?.apiUrl ?? appUrl ?? given!;
  const url = appUrl ?? apiUrl;
  const migrationUrl = options.migrationDatabaseUrl ?? embedded?.migrationUrl ?? url;
  // Given only its own role (npm start's API), the API cannot migrate: it checks instead.
  const onlyApiRole =
    options.as === 'api' &&
    options.apiDatabaseUrl !== undefined &&
    options.databaseUrl === undefined &&
    options.migrationDatabaseUrl === undefined;
  try {
    if (options.migrate !== false && !onlyApiRole) {
      await migrateAs(migrationUrl, appUrl, options.apiDatabaseUrl ?? embedded?.apiUrl);
    }
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const dataSource = createDataSource(options.as === 'api' ? apiUrl : url, {
    name: options.name,
    poolSize: options.poolSize,
    onConnectionError: options.onConnectionError,
  });
  await dataSource.initialize();
  if (options.migrate !== false && onlyApiRole && (await dataSource.showMigrations())) {
    await dataSource.destroy();
    throw new Error(
      'the schema has pending migrations and API_DATABASE_URL cannot apply them: run `npm run migrate` (MIGRATION_DATABASE_URL) first',
    );
  }
  return {
    dataSource,
    url,
    apiUrl,
    migrationUrl,
    close: async () => {
      await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

function startLocalDatabase(options: {
  dataDir: string;
  localDatabase?: (dataDir: string) => Promise<LocalDatabase>;
}): Promise<LocalDatabase> {
  if (!options.localDatabase) throw new Error('DATABASE_URL is required');
  return options.localDatabase(options.dataDir);
}
