import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from './data-source';

/** A development server started when no DATABASE_URL is set (see @scantrail/local-postgres). */
export interface LocalDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface Database {
  dataSource: DataSource;
  url: string;
  /** Closes the pool and stops the embedded server if this process started it. */
  close(): Promise<void>;
}

const MIGRATION_LOCK = 0x5c7b;

/**
 * Connects to DATABASE_URL, or to the development server `localDatabase` starts, and
 * applies pending migrations under an advisory lock (processes starting together take
 * turns instead of racing).
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  dataDir: string;
  name: string;
  poolSize?: number;
  migrate?: boolean;
  /** Starts a development server when databaseUrl is unset; without it the URL is required. */
  localDatabase?: (dataDir: string) => Promise<LocalDatabase>;
}): Promise<Database> {
  const embedded = options.databaseUrl ? undefined : await startLocalDatabase(options);
  const url = options.databaseUrl ?? embedded!.url;
  // Two connections at least: the migration lock holds one while migrations use another.
  const dataSource = createDataSource(url, {
    name: options.name,
    poolSize: Math.max(options.poolSize ?? 10, 2),
  });
  await dataSource.initialize();
  if (options.migrate !== false) {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migrate(dataSource);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await runner.release();
    }
  }
  return {
    dataSource,
    url,
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
