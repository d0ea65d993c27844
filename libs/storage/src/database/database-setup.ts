import type { DataSource } from 'typeorm';
import {
  relationLockHolders,
  withBoundedLockWaits,
  type LockWaitPolicy,
} from './advisory-lock-wait';
import { createDataSource, migrate, roleOf } from './data-source';

/** A development server started when no DATABASE_URL is set (see @scantrail/local-postgres). */
export interface LocalDatabase {
  /** As the apps' role. */
  url: string;
  /** As the role that owns the schema (used to migrate); unset: `url`. */
  migrationUrl?: string;
  /** As the API's role (reads, and writes the access log only); unset: `url`. */
  apiUrl?: string;
  /** As the Orthanc bridge's role (its own tables only); unset: `url`. */
  bridgeUrl?: string;
  stop(): Promise<void>;
}

export interface Database {
  /** The pool of the apps' role (DATABASE_URL), or of the API's or the bridge's when opened `as` it. */
  dataSource: DataSource;
  /** The apps' connection (DATABASE_URL); the API's when the API was given only its own. */
  url: string;
  /** The API's connection: API_DATABASE_URL, else the embedded server's API role, else `url`. */
  apiUrl: string;
  /** The bridge's connection: BRIDGE_DATABASE_URL, else the embedded server's bridge role, else `url`. */
  bridgeUrl: string;
  /** The schema owner's connection (MIGRATION_DATABASE_URL, default DATABASE_URL). */
  migrationUrl: string;
  /** Closes the pool and stops the embedded server if this process started it. */
  close(): Promise<void>;
}

const MIGRATION_LOCK = 0x5c7b;

/** 2 s at a time, 20 times, 3 s apart: about 100 s before a deployment is told who blocks it. */
export const DEFAULT_MIGRATION_LOCK_WAIT: LockWaitPolicy = {
  waitMs: 2_000,
  pauseMs: 3_000,
  tries: 20,
};

/**
 * Applies pending migrations as the schema owner (`migrationUrl`) under an advisory lock
 * (processes starting together take turns instead of racing), then grants the apps' role
 * (the user of `appUrl`) its rights when it is another role, and the API's role (the user
 * of `apiUrl`, else DEFAULT_API_ROLE when it exists) its own, and the bridge's (the user of
 * `bridgeUrl`, else DEFAULT_BRIDGE_ROLE when it exists) its own.
 */
export async function migrateAs(
  migrationUrl: string,
  appUrl: string | undefined,
  apiUrl?: string,
  bridgeUrl?: string,
  wait: LockWaitPolicy = DEFAULT_MIGRATION_LOCK_WAIT,
): Promise<string[]> {
  // Two connections: the lock holds one while migrations use another. A migration's table
  // lock waits at most wait.waitMs: its exclusive request, queued behind a session idle in a
  // transaction (any role can make one), would hold back every later reader of the table
  // (the API's) for as long as it waited. The migration's transaction is rolled back, the
  // readers go on, and it is tried again; the holders are named when it gives up.
  const owner = createDataSource(migrationUrl, {
    name: 'migrate',
    poolSize: 2,
    lockTimeoutMs: Math.max(1, Math.trunc(wait.waitMs)),
  });
  await owner.initialize();
  const runner = owner.createQueryRunner();
  try {
    // Another process's migrations may take minutes (backfills): this wait has no limit.
    await runner.query('SET lock_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await withBoundedLockWaits(
      wait,
      () =>
        migrate(owner, {
          appRole: appUrl === undefined ? undefined : roleOf(appUrl),
          apiRole: apiUrl === undefined ? undefined : roleOf(apiUrl),
          bridgeRole: bridgeUrl === undefined ? undefined : roleOf(bridgeUrl),
        }),
      () => relationLockHolders(runner),
      (who) =>
        new Error(
          `migrations could not lock a table they change: waited ${wait.tries} x ${wait.waitMs} ms; ` +
            `sessions holding the schema's tables: ${who || 'sessions that have since let go'}. End the one idle in a transaction ` +
            '(pg_terminate_backend as a superuser) and start again; the migration that waited was rolled back.',
        ),
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (
      code === '42501' &&
      (migrationUrl === appUrl || migrationUrl === apiUrl || migrationUrl === bridgeUrl)
    ) {
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
 * Opened `as: 'bridge'`, likewise with the bridge's role (BRIDGE_DATABASE_URL).
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  migrationDatabaseUrl?: string;
  /** API_DATABASE_URL: the API's own role, granted its rights by every migrate. */
  apiDatabaseUrl?: string;
  /** BRIDGE_DATABASE_URL: the Orthanc bridge's own role, granted its rights by every migrate. */
  bridgeDatabaseUrl?: string;
  as?: 'app' | 'api' | 'bridge';
  dataDir: string;
  name: string;
  poolSize?: number;
  migrate?: boolean;
  onConnectionError?: (error: Error) => void;
  /** Starts a development server when databaseUrl is unset; without it the URL is required. */
  localDatabase?: (dataDir: string) => Promise<LocalDatabase>;
}): Promise<Database> {
  // The process's own URL, when it has one (the API's, the bridge's), else the apps'.
  const own =
    options.as === 'api'
      ? options.apiDatabaseUrl
      : options.as === 'bridge'
        ? options.bridgeDatabaseUrl
        : undefined;
  const given = own ?? options.databaseUrl;
  const embedded = given ? undefined : await startLocalDatabase(options);
  const appUrl = options.databaseUrl ?? embedded?.url;
  const apiUrl = options.apiDatabaseUrl ?? embedded?.apiUrl ?? appUrl ?? given!;
  const bridgeUrl = options.bridgeDatabaseUrl ?? embedded?.bridgeUrl ?? appUrl ?? given!;
  const url = appUrl ?? given!;
  const migrationUrl = options.migrationDatabaseUrl ?? embedded?.migrationUrl ?? url;
  // Given only its own role (npm start's API), a process cannot migrate: it checks instead.
  const onlyOwnRole =
    own !== undefined &&
    options.databaseUrl === undefined &&
    options.migrationDatabaseUrl === undefined;
  try {
    if (options.migrate !== false && !onlyOwnRole) {
      await migrateAs(
        migrationUrl,
        appUrl,
        options.apiDatabaseUrl ?? embedded?.apiUrl,
        options.bridgeDatabaseUrl ?? embedded?.bridgeUrl,
      );
    }
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const poolUrl = options.as === 'api' ? apiUrl : options.as === 'bridge' ? bridgeUrl : url;
  const dataSource = createDataSource(poolUrl, {
    name: options.name,
    poolSize: options.poolSize,
    onConnectionError: options.onConnectionError,
  });
  await dataSource.initialize();
  if (options.migrate !== false && onlyOwnRole && (await dataSource.showMigrations())) {
    await dataSource.destroy();
    const setting = options.as === 'bridge' ? 'BRIDGE_DATABASE_URL' : 'API_DATABASE_URL';
    throw new Error(
      `the schema has pending migrations and ${setting} cannot apply them: run \`npm run migrate\` (MIGRATION_DATABASE_URL) first`,
    );
  }
  return {
    dataSource,
    url,
    apiUrl,
    bridgeUrl,
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
