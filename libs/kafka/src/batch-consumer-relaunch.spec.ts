import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { KafkaJsBatchConsumer } from './kafka-client';

// The batch consumer relaunches a KafkaJS consumer that crashed without KafkaJS restarting it
// (a non-retriable error), with a backoff. A fake KafkaJS: each consumer joins its group when
// run, then crashes on its first fetch unless the test lets it fetch.

const EVENTS = {
  GROUP_JOIN: 'consumer.group_join',
  CRASH: 'consumer.crash',
  STOP: 'consumer.stop',
  FETCH: 'consumer.fetch',
};

class FakeKafka {
  readonly launchedAt: number[] = [];

  /** @param fetching the launches (from 0) whose consumer fetches once before it crashes */
  constructor(private readonly fetching: ReadonlySet<number> = new Set()) {}

  consumer(): unknown {
    const events = new EventEmitter();
    const fetches = this.fetching.has(this.launchedAt.length) ? 1 : 0;
    this.launchedAt.push(performance.now());
    return {
      events: EVENTS,
      on: (event: string, listener: (e: unknown) => void) => events.on(event, listener),
      connect: () => Promise.resolve(),
      subscribe: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      run: () => {
        setImmediate(() => {
          events.emit(EVENTS.GROUP_JOIN, { payload: { memberAssignment: { t: [0] } } });
          for (let i = 0; i < fetches; i++) {
            events.emit(EVENTS.FETCH, { payload: { numberOfBatches: 1 } });
          }
          const error = Object.assign(new Error('Snappy compression not implemented'), {
            name: 'KafkaJSNotImplemented',
          });
          events.emit(EVENTS.CRASH, { payload: { error, restart: false, groupId: 'g' } });
        });
        return Promise.resolve();
      },
    };
  }
}

async function launches(kafka: FakeKafka, count: number, timeoutMs = 10_000): Promise<number[]> {
  const until = performance.now() + timeoutMs;
  while (kafka.launchedAt.length < count && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return kafka.launchedAt.slice(0, count);
}

const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]);

describe('batch consumer relaunch after a crash KafkaJS does not restart from', () => {
  const initialMs = 40;
  let consumer: KafkaJsBatchConsumer | undefined;
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
  });

  function start(kafka: FakeKafka, firstDelayMs = initialMs): void {
    consumer = new KafkaJsBatchConsumer(kafka as unknown as Kafka, {
      groupId: 'g',
      topic: 't',
      startOffsets: () => Promise.resolve(new Map()),
      handleBatch: () => Promise.resolve(),
      retryDelay: { initialMs: firstDelayMs, maxMs: 10_000 },
      onError: () => undefined,
    });
    void consumer.start();
  }

  it('should back off more each time a consumer that joined crashes before any fetch', async () => {
    const kafka = new FakeKafka();
    start(kafka);
    // Delays 40, 80, 160, 320 ms (+-20%) between the five launches. Reset by each join, they
    // were 40 ms every time: four relaunches and rebalances a second, for good.
    const fiveGaps = gaps(await launches(kafka, 6));
    expect(fiveGaps).toHaveLength(5);
    expect(fiveGaps[3]).toBeGreaterThanOrEqual(initialMs * 8 * 0.8);
    expect(fiveGaps[4]).toBeGreaterThanOrEqual(initialMs * 16 * 0.8);
  });

  it('should start the backoff again once a consumer fetched', async () => {
    // Delays 100, 200, 400 ms, then the fourth consumer fetches before it crashes: 100 again
    // (not reset, 800). The first delay is longer than the other test's so that a loaded
    // machine's late timers (tens of ms) stay well under the bound: 120 ms at most against
    // 320 (with 40 ms, 48 against 128).
    const firstDelayMs = 100;
    const kafka = new FakeKafka(new Set([3]));
    start(kafka, firstDelayMs);
    const times = await launches(kafka, 5);
    const afterFetching = times[4] - times[3];
    const beforeIt = times[3] - times[2];
    expect(beforeIt).toBeGreaterThanOrEqual(firstDelayMs * 4 * 0.8);
    expect(afterFetching).toBeLessThan(beforeIt);
    expect(afterFetching).toBeLessThan(firstDelayMs * 4 * 0.8);
  });
});
