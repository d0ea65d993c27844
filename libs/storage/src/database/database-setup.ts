import type { DataSource } from 'typeorm';
import { createDataSource, migrate, roleOf } from './data-source';

/** A development server started when no DATABASE_URL is set (see @scantrail/local-postgres). */
export interface LocalDatabase {
  /** As the apps' role. */
  url: string;
  /** As the role that owns the schema (used to migrate); unset: `url`. */
  migrationUrl?: string;
  stop(): Promise<void>;
}

export interface Database {
  /** The pool of the apps' role (DATABASE_URL). */
  dataSource: DataSource;
  url: string;
  /** The schema owner's connection (MIGRATION_DATABASE_URL, default DATABASE_URL). */
  migrationUrl: string;
  /** Closes the pool and stops the embedded server if this process started it. */
  close(): Promise<void>;
}

const MIGRATION_LOCK = 0x5c7b;

/**
 * Applies pending migrations as the schema owner (`migrationUrl`) under an advisory lock
 * (processes starting together take turns instead of racing), then grants the apps' role
 * (the user of `appUrl`) its rights when it is another role.
 */
export async function migrateAs(migrationUrl: string, appUrl: string): Promise<string[]> {
  // Two connections: the lock holds one while migrations use another.
  const owner = createDataSource(migrationUrl, { name: 'migrate', poolSize: 2 });
  await owner.initialize();
  const runner = owner.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await migrate(owner, { appRole: roleOf(appUrl) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42501' && migrationUrl === appUrl) {
      throw new Error(
        `migrations need the role that owns the schema, not "${roleOf(appUrl)}": set MIGRATION_DATABASE_URL (${(error as Error).message})`,
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
 * DATABASE_URL; for the development server, its owner role).
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  migrationDatabaseUrl?: string;
  dataDir: string;
  name: string;
  poolSize?: number;
  migrate?: boolean;
  onConnectionError?: (error: Error) => void;
  /** Starts a development server when databaseUrl is unset; without it the URL is required. */
  localDatabase?: (dataDir: string) => Promise<LocalDatabase>;
}): Promise<Database> {
  const embedded = options.databaseUrl ? undefined : await startLocalDatabase(options);
  const url = options.databaseUrl ?? embedded!.url;
  const migrationUrl = options.migrationDatabaseUrl ?? embedded?.migrationUrl ?? url;
  try {
    if (options.migrate !== false) await migrateAs(migrationUrl, url);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const dataSource = createDataSource(url, {
    name: options.name,
    poolSize: options.poolSize,
    onConnectionError: options.onConnectionError,
  });
  await dataSource.initialize();
  return {
    dataSource,
    url,
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
