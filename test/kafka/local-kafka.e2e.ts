// Real broker, real KafkaJS: the local Kafka starts, restarts on the same data and ports,
// and the batch consumer records every message exactly once through a broker restart,
// failing handlers and a rebalance. Starts its own broker (no global setup needed).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createKafka,
  type BatchConsumer,
  type BatchConsumerOptions,
  type ConsumedBatch,
  type KafkaClient,
} from '@scantrail/kafka';
import { startLocalKafka, type LocalKafka } from '@scantrail/local-kafka';
import { isAlive, processesMentioning } from '../support/processes';

/** Stands in for PostgreSQL: per-partition next offsets and rows, changed atomically. */
class InMemoryLedger {
  readonly next = new Map<number, bigint>();
  readonly rows = new Map<number, { offset: bigint; value: string }[]>();
  staleBatches = 0;
  /** Fail this many transactions before committing (PostgreSQL unavailable). */
  failBeforeCommit = 0;
  /** Commit this many transactions, then throw anyway (the commit's answer was lost). */
  failAfterCommit = 0;
  readonly handledBy = new Map<string, number>();

  startOffsets(partitions: number[]): Promise<Map<number, string>> {
    const found = new Map<number, string>();
    for (const partition of partitions) {
      const next = this.next.get(partition);
      if (next !== undefined) {
        found.set(partition, next.toString());
      }
    }
    return Promise.resolve(found);
  }

  async record(member: string, batch: ConsumedBatch, delayMs: number): Promise<void> {
    await sleep(delayMs);
    if (this.failBeforeCommit > 0) {
      this.failBeforeCommit -= 1;
      throw new Error('database unavailable (simulated)');
    }
    const first = BigInt(batch.messages[0].offset);
    const stored = this.next.get(batch.partition);
    if (stored !== undefined && stored > first) {
      // The compare-and-set a real ledger transaction does; here it must never trigger.
      this.staleBatches += 1;
      throw new Error(`stale batch at ${first}, stored next is ${stored}`);
    }
    const rows = this.rows.get(batch.partition) ?? [];
    for (const message of batch.messages) {
      rows.push({ offset: BigInt(message.offset), value: message.value?.toString() ?? '' });
    }
    this.rows.set(batch.partition, rows);
    this.next.set(batch.partition, BigInt(batch.messages[batch.messages.length - 1].offset) + 1n);
    this.handledBy.set(member, (this.handledBy.get(member) ?? 0) + batch.messages.length);
    if (this.failAfterCommit > 0) {
      this.failAfterCommit -= 1;
      throw new Error('connection lost after commit (simulated)');
    }
  }

  values(): string[] {
    return [...this.rows.values()].flat().map((row) => row.value);
  }

  /** Offsets of each partition are 0, 1, 2...: nothing skipped, repeated or reordered. */
  contiguous(): boolean {
    return [...this.rows.values()].every((rows) =>
      rows.every((row, index) => row.offset === BigInt(index)),
    );
  }
}

/** Another Kafka version to run the suite against (a folder with its own pom.xml). */
const toolDir = process.env.KAFKA_E2E_TOOL_DIR;

const debugLog = (line: string): void => {
  if (process.env.KAFKA_E2E_LOG) {
    console.log(`${new Date().toISOString()} ${line}`);
  }
};

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(50);
  }
}

function expectExactlyOnce(ledger: InMemoryLedger, expected: string[]): void {
  const values = ledger.values();
  expect(values).toHaveLength(expected.length);
  expect(new Set(values)).toEqual(new Set(expected));
  expect(ledger.contiguous()).toBe(true);
  expect(ledger.staleBatches).toBe(0);
}

describe('local Kafka with the batch consumer', () => {
  let dataDir: string;
  let kafka: LocalKafka;
  let client: KafkaClient;
  const consumers: BatchConsumer[] = [];
  const errors: Error[] = [];

  const consumerFor = (
    ledger: InMemoryLedger,
    options: { topic: string; groupId: string; member: string; delayMs: number },
  ): BatchConsumer => {
    const settings: BatchConsumerOptions = {
      groupId: options.groupId,
      topic: options.topic,
      maxBytesPerPartition: 1024, // small batches, so that faults land mid-stream
      retryDelay: { initialMs: 100, maxMs: 1_000 },
      startOffsets: (partitions) => ledger.startOffsets(partitions),
      handleBatch: (batch) => ledger.record(options.member, batch, options.delayMs),
      onError: (error) => {
        debugLog(`onError: ${error.message}`);
        errors.push(error);
      },
    };
    const consumer = client.batchConsumer(settings);
    consumers.push(consumer);
    return consumer;
  };

  const produce = async (topic: string, from: number, count: number): Promise<string[]> => {
    // Idempotent: a send retried after a partial failure must not duplicate messages.
    const producer = await client.producer({ idempotent: true });
    const values: string[] = [];
    try {
      // Ten messages per send: many small record batches, hence many consumer batches.
      for (let start = from; start < from + count; start += 10) {
        const chunk = Array.from({ length: Math.min(10, from + count - start) }, (_, i) => ({
          key: `key-${start + i}`,
          value: `${topic}:${start + i}`,
        }));
        await producer.send(topic, chunk);
        values.push(...chunk.map((message) => message.value));
      }
    } finally {
      await producer.disconnect();
    }
    return values;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scantrail-kafka-e2e-'));
    kafka = await startLocalKafka({ dataDir, log: debugLog, toolDir });
    client = createKafka({
      brokers: kafka.brokers,
      clientId: 'kafka-e2e',
      logLevel: (process.env.KAFKA_E2E_LOG as 'info' | undefined) ?? 'nothing',
    });
  }, 180_000);

  afterEach(async () => {
    if (process.env.KAFKA_E2E_LOG) {
      console.log(errors.map((error) => error.message).join('\n'));
    }
    await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
  });

  afterAll(async () => {
    await client?.disconnect();
    await kafka?.stop();
    if (dataDir && !process.env.KAFKA_E2E_LOG) {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('should record every message exactly once when the broker restarts mid-stream', async () => {
    const topic = 'restart-events';
    await client.ensureTopic(topic, 3);
    const expected = await produce(topic, 0, 1000);
    const ledger = new InMemoryLedger();
    const consumer = consumerFor(ledger, { topic, groupId: 'restart', member: 'a', delayMs: 40 });
    await consumer.start();

    await waitFor('a third of the messages', () => ledger.values().length >= 300, 60_000);
    const { pid, ports, brokers } = kafka;
    debugLog('stopping the broker');
    await kafka.stop();
    debugLog('broker stopped');
    expect(isAlive(pid)).toBe(false);
    expect(ledger.values().length).toBeLessThan(1000);
    expect(await client.isReachable()).toBe(false);
    await sleep(2_000); // the consumer notices the outage and starts retrying

    kafka = await startLocalKafka({ dataDir, ports, log: debugLog, toolDir });
    expect(kafka.brokers).toEqual(brokers);
    expect(await client.isReachable()).toBe(true);
    // The topic and its messages survived the restart; the consumer resumes by itself.
    await client.ensureTopic(topic, 3);
    expected.push(...(await produce(topic, 1000, 100)));
    await waitFor('all 1100 messages', () => ledger.values().length >= 1100, 120_000);
    await sleep(1_000); // anything recorded twice would show up now
    expectExactlyOnce(ledger, expected);
    expect(consumer.isJoined()).toBe(true);
  }, 240_000);

  it('should retry a batch from the database offsets when the handler fails', async () => {
    const topic = 'failing-handler-events';
    await client.ensureTopic(topic, 3);
    const expected = await produce(topic, 0, 300);
    const ledger = new InMemoryLedger();
    ledger.failBeforeCommit = 4;
    ledger.failAfterCommit = 2;
    errors.length = 0;
    const consumer = consumerFor(ledger, { topic, groupId: 'failing', member: 'a', delayMs: 0 });
    await consumer.start();

    await waitFor('all 300 messages', () => ledger.values().length >= 300, 90_000);
    await sleep(1_000);
    expectExactlyOnce(ledger, expected);
    const simulated = errors.filter((error) => error.message.includes('(simulated)'));
    expect(simulated).toHaveLength(6);
  }, 120_000);

  it('should hand partitions over without loss or duplicates when members join and leave', async () => {
    const topic = 'rebalance-events';
    await client.ensureTopic(topic, 3);
    const expected = await produce(topic, 0, 600);
    const ledger = new InMemoryLedger();
    const first = consumerFor(ledger, { topic, groupId: 'rebalance', member: 'a', delayMs: 40 });
    await first.start();
    await waitFor('some messages', () => ledger.values().length >= 100, 60_000);

    const second = consumerFor(ledger, { topic, groupId: 'rebalance', member: 'b', delayMs: 40 });
    await second.start();
    await waitFor('both members in the group', () => first.isJoined() && second.isJoined(), 60_000);
    expected.push(...(await produce(topic, 600, 300)));
    await waitFor('all 900 messages', () => ledger.values().length >= 900, 90_000);
    expect(ledger.handledBy.get('b')).toBeGreaterThan(0);

    // The second member leaves; the first takes its partitions back.
    await second.stop();
    expected.push(...(await produce(topic, 900, 150)));
    await waitFor('all 1050 messages', () => ledger.values().length >= 1050, 90_000);
    await sleep(1_000);
    expectExactlyOnce(ledger, expected);
    expect(ledger.handledBy.get('a')).toBeGreaterThan(0);
  }, 240_000);

  it('should leave no broker or watchdog process behind when stopped', async () => {
    const { pid } = kafka;
    await kafka.stop();
    await kafka.stop(); // idempotent
    expect(isAlive(pid)).toBe(false);
    const watchdog = `kafka-watchdog\0${process.pid}\0${pid}\0`;
    await waitFor(
      'the broker and its watchdog to end',
      () => processesMentioning(dataDir).length + processesMentioning(watchdog).length === 0,
      5_000,
    );
  }, 60_000);
});
