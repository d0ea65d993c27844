import { startEmbeddedPostgres } from '@scantrail/local-postgres';
import {
  createLogger,
  loadSettingsOrExit,
  onShutdown,
  type Logger,
  type Settings,
} from '@scantrail/config';
import { resolveKafkaBrokers } from '@scantrail/local-kafka';
import { openDatabase } from '@scantrail/storage';
import { setFlagsFromString } from 'node:v8';
import { startIngest } from './src/ingest';

/**
 * How far V8 lets the old generation grow past what survived its last full collection
 * (as in the API's main.ts): 1.5 times, where its default goes up to 4 times under the
 * ingest's allocation rate (every batch decodes, encodes and hashes a few MiB, the findings
 * worker loads its world). Measured in bench/HISTORY.md (issue 15, memory).
 */
const HEAP_GROWING_PERCENT = 50;
setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);

async function main(): Promise<void> {
  // The ingest's checkpointer is the one signer: the only process given the signing key.
  const settings = loadSettingsOrExit(process.env, { signs: true });
  const logger = createLogger('scantrail-ingest', settings.logLevel);
  if (settings.devSecrets)
    logger.warn('some secrets were generated for development under the data directory');
  // The shutdown handler goes in before anything starts: a SIGTERM that comes while the
  // ingest is still starting (its consumer may already be recording) waits for the start,
  // then stops what it started, instead of killing the process mid-batch.
  const started = start(settings, logger);
  onShutdown(logger, [
    async () => (await started).ingest.stop(),
    async () => (await started).database.close(),
    async () => (await started).kafka.stop(),
  ]);
  await started;
}

async function start(settings: Settings, logger: Logger) {
  const database = await openDatabase({
    databaseUrl: settings.databaseUrl,
    migrationDatabaseUrl: settings.migrationDatabaseUrl,
    dataDir: settings.dataDir,
    localDatabase: startEmbeddedPostgres,
    name: 'ingest',
    onConnectionError: (err) =>
      logger.warn({ err }, 'a database connection was dropped by the server'),
  });
  const kafka = await resolveKafkaBrokers(settings, logger);
  const ingest = await startIngest({
    settings,
    dataSource: database.dataSource,
    kafkaBrokers: kafka.brokers,
    logger,
  });
  return { database, kafka, ingest };
}

main().catch((error: unknown) => {
  process.stderr.write(`scantrail-ingest: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
