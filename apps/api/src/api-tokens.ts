import type { Settings } from '@scantrail/config';
import type { KafkaReachability } from '@scantrail/kafka';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

// Injection tokens for what the process hands the API (bootstrap.ts).
export const SETTINGS = Symbol('SETTINGS');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
/** Where read-only queries go: the hot standby of READ_DATABASE_URL, or DATA_SOURCE. */
export const READ_DATA_SOURCE = Symbol('READ_DATA_SOURCE');
export const KAFKA_PROBE = Symbol('KAFKA_PROBE');
export const LOGGER = Symbol('LOGGER');

/** What /health asks of Kafka. */
export interface KafkaProbe {
  reachability(): Promise<KafkaReachability>;
}

export interface ApiDependencies {
  settings: Settings;
  dataSource: DataSource;
  /** A hot standby for read-only queries; unset: `dataSource`. */
  readDataSource?: DataSource;
  kafka: KafkaProbe;
  logger: Logger;
}
