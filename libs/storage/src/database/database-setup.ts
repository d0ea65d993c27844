import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from './data-source';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface Database {
  dataSource: DataSource;
  url: string;
  /** Closes the pool and stops the embedded server if this process started it. */
  close(): Promise<void>;
}

const MIGRATION_LOCK = 0x5c7b;

/**
 * Connects to DATABASE_URL, or to the embedded PostgreSQL under the data directory, and
 * applies pending migrations under an advisory lock (processes starting together take
 * turns instead of racing).
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  dataDir: string;
  name: string;
  poolSize?: number;
  migrate?: boolean;
}): Promise<Database> {
  const embedded = options.databaseUrl ? undefined : await startEmbeddedPostgres(options.dataDir);
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
