// Runs the scenario against the real product: its own database and 3-partition topic on
// the shared broker, ingest and API in this process, events produced to Kafka.
import { mintToken, type Role } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import type { KafkaClient } from '@scantrail/kafka';
import { Kafka, logLevel } from 'kafkajs';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import type { RunningIngest } from '../../apps/ingest/src/ingest';
import { startTestApi, startTestIngest } from '../support/e2e-stack';
import {
  createTestDatabase,
  createTestTopic,
  e2eServices,
  eventually,
  findingsSettled,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { GraphqlClient } from './graphql-client';
import {
  buildScenario,
  type PlacedMessage,
  type Scenario,
  type ScenarioEvent,
} from './scenario-events';

export const PARTITIONS = 3;

/** Where a placed message landed, as Kafka reported it to the producer. */
export type Produced<M extends PlacedMessage> = M & { offset: string };

export class ScenarioHarness {
  readonly scenario: Scenario = buildScenario();
  settings!: Settings;
  db!: TestDatabase;
  api!: RunningApi;
  client!: GraphqlClient;
  topic!: string;
  private kafka!: KafkaClient;
  private ingest?: RunningIngest;
  private sent = 0;

  async start(): Promise<void> {
    this.db = await createTestDatabase();
    ({ kafka: this.kafka, topic: this.topic } = await createTestTopic(PARTITIONS));
    this.settings = testSettings({ kafkaTopic: this.topic });
    this.ingest = await startTestIngest(this.settings, this.db.dataSource);
    // Only the ingest signs: the API runs without the signing key, as in production.
    this.api = await startTestApi(
      { ...this.settings, ledgerSigner: undefined },
      this.db.dataSource,
    );
    this.client = new GraphqlClient(this.api.url);
  }

  async stop(): Promise<void> {
    await this.ingest?.stop();
    await this.api?.close();
    await this.kafka?.disconnect();
    await this.db?.drop();
  }

  token(
    roles: Role[],
    options: {
      sub?: string;
      vendorId?: string;
      ttlSeconds?: number;
      now?: number;
      secret?: Buffer;
    } = {},
  ): string {
    return mintToken({
      secret: options.secret ?? this.settings.authJwtSecret,
      sub: options.sub ?? `scenario-${roles.join('-')}`,
      roles,
      vendorId: options.vendorId,
      ttlSeconds: options.ttlSeconds ?? 900,
      now: options.now,
    });
  }

  /** Produces events keyed by their subject (so partitions differ), in the given order. */
  async publish(events: readonly ScenarioEvent[]): Promise<void> {
    const producer = await this.kafka.producer();
    try {
      // Small sends keep the interleaving across partitions close to the list's order.
      for (let i = 0; i < events.length; i += 8) {
        await producer.send(
          this.topic,
          events.slice(i, i + 8).map((e) => ({ key: e.key, value: e.value })),
        );
      }
    } finally {
      await producer.disconnect();
    }
    this.sent += events.length;
  }

  /** Produces each message to its chosen partition, in order, and returns its offset. */
  async publishAt<M extends PlacedMessage>(messages: readonly M[]): Promise<Produced<M>[]> {
    const kafka = new Kafka({
      brokers: e2eServices().brokers,
      clientId: 'scantrail-scenario-placed',
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    const produced: Produced<M>[] = [];
    try {
      for (const m of messages) {
        const [meta] = await producer.send({
          topic: this.topic,
          acks: -1,
          messages: [{ key: m.key, value: m.value, partition: m.partition }],
        });
        if (meta.partition !== m.partition) throw new Error('broker put it elsewhere');
        produced.push({ ...m, offset: meta.baseOffset ?? '' });
      }
    } finally {
      await producer.disconnect();
    }
    this.sent += messages.length;
    return produced;
  }

  /** Waits until ingest has handled every message produced so far, and its findings worker too. */
  async settled(): Promise<void> {
    await eventually(
      () => {
        const c = this.ingest!.counters;
        return Promise.resolve(
          c.recorded + c.duplicates + c.quarantined >= this.sent ? true : undefined,
        );
      },
      60000,
      `ingest to handle ${this.sent} messages`,
    );
    await findingsSettled(this.db.dataSource);
  }

  /** Phase 2: late events and duplicates, bad messages, then late events behind them. */
  async publishPhase2(): Promise<Produced<Scenario['bad'][number]>[]> {
    await this.publish(this.scenario.phase2);
    const bad = await this.publishAt(this.scenario.bad);
    await this.publishAt(this.scenario.afterBad);
    return bad;
  }

  /** The whole scenario: phase 1, wait, then phase 2. */
  async runAll(): Promise<void> {
    await this.publish(this.scenario.phase1);
    await this.settled();
    await this.publishPhase2();
    await this.settled();
  }
}
