import { startEmbeddedPostgres } from '@scantrail/local-postgres';
import { createLogger, loadSettingsOrExit, onShutdown } from '@scantrail/config';
import { resolveKafkaBrokers } from '@scantrail/local-kafka';
import { openDatabase } from '@scantrail/storage';
import { startIngest } from './src/ingest';

async function main(): Promise<void> {
  // The ingest's checkpointer is the one signer: the only process given the signing key.
  const settings = loadSettingsOrExit(process.env, { signs: true });
  const logger = createLogger('scantrail-ingest', settings.logLevel);
  if (settings.devSecrets)
    logger.warn('some secrets were generated for development under the data directory');
  const database = await openDatabase({
    databaseUrl: settings.databaseUrl,
    migrationDatabaseUrl: settings.migrationDatabaseUrl,
    dataDir: settings.dataDir,
    localDatabase: startEmbeddedPostgres,
    name: 'ingest',
  });
  const kafka = await resolveKafkaBrokers(settings, logger);
  const ingest = await startIngest({
    settings,
    dataSource: database.dataSource,
    kafkaBrokers: kafka.brokers,
    logger,
  });
  onShutdown(logger, [() => ingest.stop(), () => database.close(), () => kafka.stop()]);
}

main().catch((error: unknown) => {
  process.stderr.write(`scantrail-ingest: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
