import { startEmbeddedPostgres } from '@scantrail/local-postgres';
import {
  createLogger,
  kafkaSecurityWarning,
  loadSettingsOrExit,
  onShutdown,
  tuneServiceHeap,
  type Logger,
  type Settings,
} from '@scantrail/config';
import { resolveKafkaBrokers } from '@scantrail/local-kafka';
import { openDatabase } from '@scantrail/storage';
import { startIngest } from './src/ingest';

// Before anything runs: the old generation's bound and no pretenuring (heap-tuning.ts).
tuneServiceHeap();

async function main(): Promise<void> {
  // The ingest's checkpointer is the one signer: the only process given the signing key.
  const settings = loadSettingsOrExit(process.env, { signs: true });
  const logger = createLogger('scantrail-ingest', settings.logLevel);
  if (settings.devSecrets)
    logger.warn('some secrets were generated for development under the data directory');
  const kafkaWarning = kafkaSecurityWarning(settings.kafkaSecurity);
  if (kafkaWarning) logger.warn(kafkaWarning);
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
