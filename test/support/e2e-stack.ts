// The product as the e2e suites run it in this process: one test file's own database and
// topic, the ingest and the API started over them with the shared broker and the test
// logger, and the checks of what the ingest recorded that several suites make.
import { createLogger, type Settings } from '@scantrail/config';
import type { KafkaClient } from '@scantrail/kafka';
// KafkaJS directly, only to produce to a chosen partition (the adapter partitions by key).
import { Kafka, logLevel } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import {
  databaseCheckpoints,
  databaseEntries,
  databaseStoredHashes,
} from '../../apps/cli/src/verify/ledger-sources';
import { describeProblem, verifyLedger } from '../../apps/cli/src/verify/ledger-verifier';
import { startIngest, type RunningIngest } from '../../apps/ingest/src/ingest';
import {
  createTestDatabase,
  createTestTopic,
  e2eServices,
  eventually,
  testLogger,
  type TestDatabase,
} from './test-env';

/** The ingest in this process over `dataSource`, reading the shared broker. */
export function startTestIngest(
  settings: Settings,
  dataSource: DataSource,
  defaultPartitions?: number,
): Promise<RunningIngest> {
  return startIngest({
    settings,
    dataSource,
    kafkaBrokers: e2eServices().brokers,
    logger: testLogger,
    defaultPartitions,
  });
}

/** The API in this process over `dataSource` (its /health probes the shared broker). */
export function startTestApi(settings: Settings, dataSource: DataSource): Promise<RunningApi> {
  return startApi({
    settings,
    dataSource,
    kafkaBrokers: e2eServices().brokers,
    logger: testLogger,
  });
}

/**
 * A test file's own migrated database and topic, and the ingest and API it starts over
 * them; `close` stops what was started and drops the database.
 */
export class E2eStack {
  ingest?: RunningIngest;
  api?: RunningApi;

  private constructor(
    readonly db: TestDatabase,
    readonly kafka: KafkaClient,
    readonly topic: string,
  ) {}

  /** `createTopic`: see createTestTopic. */
  static async open(
    partitions: number,
    createTopic?: (topic: string) => Promise<void>,
  ): Promise<E2eStack> {
    const db = await createTestDatabase();
    const { kafka, topic } = await createTestTopic(partitions, createTopic);
    return new E2eStack(db, kafka, topic);
  }

  /**
   * The ingest on this stack's topic, its log lines (parsed) pushed into `lines` for the test
   * to read: the usual test logger is silent.
   */
  async startIngestLoggingTo(
    settings: Settings,
    lines: Record<string, unknown>[],
    name: string,
  ): Promise<RunningIngest> {
    const logger = createLogger(name, 'info', {
      write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
    });
    this.ingest = await startIngest({
      settings: { ...settings, kafkaTopic: this.topic },
      dataSource: this.db.dataSource,
      kafkaBrokers: e2eServices().brokers,
      logger,
    });
    return this.ingest;
  }

  /** The ingest on this stack's topic (whatever `settings.kafkaTopic` says). */
  async startIngest(settings: Settings, defaultPartitions?: number): Promise<RunningIngest> {
    this.ingest = await startTestIngest(
      { ...settings, kafkaTopic: this.topic },
      this.db.dataSource,
      defaultPartitions,
    );
    return this.ingest;
  }

  async startApi(settings: Settings): Promise<RunningApi> {
    this.api = await startTestApi(settings, this.db.dataSource);
    return this.api;
  }

  /** Messages to chosen partitions, all acknowledged by every replica. */
  async produceTo(
    messages: { partition: number; key?: string; value: Buffer }[],
    clientId: string,
  ): Promise<void> {
    const producer = new Kafka({
      clientId,
      brokers: e2eServices().brokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({ topic: this.topic, acks: -1, messages });
    await producer.disconnect();
  }

  /**
   * Waits until the ingest's committed offsets on `partitions` partitions of the topic all
   * stand at `nextOffset` (every message before it recorded or quarantined); their rows.
   */
  consumedThrough(
    nextOffset: number,
    partitions: number,
    timeoutMs: number,
    what: string,
  ): Promise<{ partition: number; next_offset: string }[]> {
    return eventually(
      async () => {
        const rows = await this.db.dataSource.query<{ partition: number; next_offset: string }[]>(
          'SELECT partition, next_offset::text AS next_offset FROM ingest_offsets WHERE topic = $1',
          [this.topic],
        );
        const done = rows.filter((r) => r.next_offset === String(nextOffset));
        return done.length === partitions ? rows : undefined;
      },
      timeoutMs,
      what,
    );
  }

  /** The recorded events' ids in ledger order. */
  async ledgerEventIds(): Promise<string[]> {
    const rows = await this.db.dataSource.query<{ event_id: string }[]>(
      'SELECT event_id FROM ledger_entries ORDER BY ledger_entries.sequence',
    );
    return rows.map((r) => r.event_id);
  }

  /** Stops the ingest now (before `close`), once. */
  async stopIngest(): Promise<void> {
    const ingest = this.ingest;
    this.ingest = undefined;
    await ingest?.stop();
  }

  async close(): Promise<void> {
    await this.api?.close();
    await this.stopIngest();
    await this.kafka.disconnect();
    await this.db.drop();
  }
}

/**
 * `verify` over what the database holds: 'ok', or its first problem in words (a test that
 * expects 'ok' then shows what was wrong). Stored hashes are checked when asked.
 */
export async function ledgerVerdict(
  dataSource: DataSource,
  settings: Settings,
  options: { storedHashes?: boolean } = {},
): Promise<string> {
  const report = await verifyLedger({
    origin: settings.ledgerOrigin,
    verifierKey: settings.ledgerVerifierKey,
    entries: databaseEntries(dataSource),
    storedHashes: options.storedHashes ? databaseStoredHashes(dataSource) : undefined,
    checkpoints: await databaseCheckpoints(dataSource),
  });
  return report.ok ? 'ok' : describeProblem(report.problem!);
}
