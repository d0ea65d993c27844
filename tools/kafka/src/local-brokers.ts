import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka } from '@scantrail/kafka';
import { startLocalKafka } from './local-kafka';
import type { Logger } from 'pino';
import type { Settings } from '@scantrail/config';

export interface ResolvedBrokers {
  brokers: string[];
  /** Stops the local broker if this process started it. */
  stop(): Promise<void>;
}

const brokersFile = (dataDir: string): string => join(dataDir, 'kafka', 'brokers');

/** The brokers a local (dev) broker under the data directory advertised, if it runs. */
export async function runningLocalBrokers(dataDir: string): Promise<string[] | undefined> {
  const file = brokersFile(dataDir);
  if (!existsSync(file)) return undefined;
  const brokers = readFileSync(file, 'utf8').trim().split(',').filter(Boolean);
  const kafka = createKafka({ brokers, clientId: 'scantrail-probe', logLevel: 'error' });
  try {
    return (await kafka.isReachable()) ? brokers : undefined;
  } finally {
    await kafka.disconnect().catch(() => undefined);
  }
}

/**
 * KAFKA_BROKERS when set; otherwise the local Apache Kafka under `<dataDir>/kafka`,
 * joined if it already runs (another process started it) or started and owned here.
 */
export async function resolveKafkaBrokers(
  settings: Settings,
  logger: Logger,
): Promise<ResolvedBrokers> {
  if (settings.kafkaBrokers)
    return { brokers: settings.kafkaBrokers, stop: () => Promise.resolve() };
  const running = await runningLocalBrokers(settings.dataDir);
  if (running) return { brokers: running, stop: () => Promise.resolve() };
  const dataDir = join(settings.dataDir, 'kafka');
  mkdirSync(dataDir, { recursive: true });
  logger.info({ dataDir }, 'KAFKA_BROKERS unset: starting a local Apache Kafka');
  const local = await startLocalKafka({ dataDir, log: (line) => logger.debug({ kafka: line }) });
  writeFileSync(brokersFile(settings.dataDir), local.brokers.join(','));
  return { brokers: local.brokers, stop: () => local.stop() };
}
