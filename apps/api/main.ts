import { startEmbeddedPostgres } from '@scantrail/local-postgres';
import { join } from 'node:path';
import { createLogger, loadSettingsOrExit, onShutdown, tuneServiceHeap } from '@scantrail/config';
import { runningLocalBrokers } from '@scantrail/local-kafka';
import { createDataSource, openDatabase } from '@scantrail/storage';
import { startApi } from './src/bootstrap';

// Before anything runs: the old generation's bound and no pretenuring (heap-tuning.ts).
tuneServiceHeap();

async function main(): Promise<void> {
  const settings = loadSettingsOrExit();
  const logger = createLogger('scantrail-api', settings.logLevel);
  if (settings.devSecrets)
    logger.warn('some secrets were generated for development under the data directory');
  // The API only probes Kafka for /health: it joins the brokers given, or the local broker
  // that `npm start` (or the ingest) runs; it never starts one of its own.
  const brokers = settings.kafkaBrokers ?? (await runningLocalBrokers(settings.dataDir));
  if (brokers === undefined) {
    process.stderr.write(
      `scantrail-api: setting KAFKA_BROKERS: unset, and no local Kafka answers under ${join(settings.dataDir, 'kafka')} (set KAFKA_BROKERS, or start the ingest or npm start first)\n`,
    );
    process.exit(2);
  }
  const connectionDropped = (err: Error) =>
    logger.warn({ err }, 'a database connection was dropped by the server');
  // Migrations run on their own small pool, without the time limit that bounds requests.
  // As the API's own role (API_DATABASE_URL, else the embedded server's): reads and the
  // access log only, never the ledger's writes or its lock.
  const database = await openDatabase({
    databaseUrl: settings.databaseUrl,
    migrationDatabaseUrl: settings.migrationDatabaseUrl,
    apiDatabaseUrl: settings.apiDatabaseUrl,
    as: 'api',
    dataDir: settings.dataDir,
    localDatabase: startEmbeddedPostgres,
    name: 'api-migrate',
    poolSize: 2,
    onConnectionError: connectionDropped,
  });
  const requests = createDataSource(database.apiUrl, {
    name: 'api',
    onConnectionError: connectionDropped,
    statementTimeoutMs: settings.apiLimits.statementTimeoutMs,
  });
  await requests.initialize();
  // A hot standby is read as is: never migrated (it cannot be written), only queried.
  const replica = settings.readDatabaseUrl
    ? await createDataSource(settings.readDatabaseUrl, {
        name: 'api-read',
        onConnectionError: connectionDropped,
        statementTimeoutMs: settings.apiLimits.statementTimeoutMs,
      }).initialize()
    : undefined;
  const api = await startApi({
    settings,
    dataSource: requests,
    readDataSource: replica,
    kafkaBrokers: brokers,
    logger,
  });
  onShutdown(logger, [
    () => api.close(),
    async () => {
      await replica?.destroy();
    },
    () => requests.destroy(),
    () => database.close(),
  ]);
}

main().catch((error: unknown) => {
  process.stderr.write(`scantrail-api: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
