import { startEmbeddedPostgres } from '@scantrail/local-postgres';
import {
  createLogger,
  kafkaSecurityWarning,
  loadBridgeSettingsOrExit,
  loadSettingsOrExit,
  onShutdown,
} from '@scantrail/config';
import { resolveKafkaBrokers } from '@scantrail/local-kafka';
import { createKafka, kafkaLogTo } from '@scantrail/kafka';
import { openDatabase } from '@scantrail/storage';
import { startHealthServer } from './src/health/bridge-health.server';
import { BridgeMetrics } from './src/health/bridge-metrics';
import { OrthancBridge } from './src/orthanc-bridge';

async function main(): Promise<void> {
  const settings = loadSettingsOrExit();
  const bridgeSettings = loadBridgeSettingsOrExit();
  const logger = createLogger('scantrail-bridge', settings.logLevel);
  const kafkaWarning = kafkaSecurityWarning(settings.kafkaSecurity);
  if (kafkaWarning) logger.warn(kafkaWarning);
  const database = await openDatabase({
    databaseUrl: settings.databaseUrl,
    migrationDatabaseUrl: settings.migrationDatabaseUrl,
    // As the bridge's own role (BRIDGE_DATABASE_URL, else the embedded server's): its own
    // tables only, never the ingest's offsets, the ledger, the read models or a lock.
    bridgeDatabaseUrl: settings.bridgeDatabaseUrl,
    as: 'bridge',
    dataDir: settings.dataDir,
    localDatabase: startEmbeddedPostgres,
    name: 'bridge',
    onConnectionError: (err) =>
      logger.warn({ err }, 'a database connection was dropped by the server'),
  });
  const kafka = await resolveKafkaBrokers(settings, logger);
  const client = createKafka({
    brokers: kafka.brokers,
    clientId: 'scantrail-bridge',
    security: settings.kafkaSecurity,
    log: kafkaLogTo(logger),
  });
  await client.ensureTopic(settings.kafkaTopic, 3);
  const producer = await client.producer();
  const metrics = new BridgeMetrics();
  const bridge = new OrthancBridge({
    settings: bridgeSettings,
    pseudonymKey: settings.pseudonymKey,
    topic: settings.kafkaTopic,
    producer,
    dataSource: database.dataSource,
    logger,
    metrics,
  });
  const health = await startHealthServer(
    bridgeSettings.port,
    () => bridge.health(),
    metrics,
    settings.healthHost,
  );
  bridge.start();
  logger.info(
    { port: health.port, orthanc: bridgeSettings.orthancUrl, topic: settings.kafkaTopic },
    'bridge running: /health and /metrics on BRIDGE_PORT',
  );
  onShutdown(logger, [
    () => bridge.stop(),
    () => health.close(),
    () => client.disconnect(),
    () => database.close(),
    () => kafka.stop(),
  ]);
}

main().catch((error: unknown) => {
  process.stderr.write(`scantrail-bridge: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
