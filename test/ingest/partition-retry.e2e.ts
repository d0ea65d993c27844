// Transient failures on one partition (issue 10, item 1): its batches retry with a backoff
// of their own while the other partitions keep being recorded; the ingest's /health says
// degraded once the partition has stopped advancing, /metrics shows its lag and retries,
// and everything waiting is recorded once the failure goes away. The failure is real:
// a trigger in the test's own database refuses that partition's offset update with a
// serialization failure (SQLSTATE 40001), which is retried, never quarantined.
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { Client } from 'pg';
import { E2eStack } from '../support/e2e-stack';
import { refuseOffsetUpdates } from '../support/offset-refusal';
import { eventually, testSettings } from '../support/test-env';

const STUDY = 'org.scantrail.study.registered';
const PARTITIONS = 3;
const FAILING = 1;

describe('ingest retries of one failing partition (real Kafka, real PostgreSQL)', () => {
  let stack: E2eStack;
  let owner: Client;
  let allow: () => Promise<void>;

  beforeAll(async () => {
    stack = await E2eStack.open(PARTITIONS);
    // Functions and triggers are the schema owner's (the apps' role owns nothing).
    owner = new Client({ connectionString: stack.db.ownerUrl });
    await owner.connect();
    allow = await refuseOffsetUpdates(owner, 'e2e_refuse_partition', `NEW.partition = ${FAILING}`);
  });

  afterAll(async () => {
    await stack.stopIngest();
    await owner?.end();
    await stack.close();
  });

  const recordedIds = async (): Promise<Set<string>> =>
    new Set(
      (
        await stack.db.dataSource.query<{ event_id: string }[]>(
          'SELECT event_id FROM ledger_entries',
        )
      ).map((r) => r.event_id),
    );

  it('should keep recording the other partitions, report the failing one as degraded with its lag and retries, and catch up once it recovers', async () => {
    const ingest = await stack.startIngest(
      testSettings({ ingestPort: 0, ingestStallS: 2 }),
      PARTITIONS,
    );
    const base = `http://127.0.0.1:${ingest.httpPort}`;
    await eventually(
      async () => ((await fetch(`${base}/health`)).status === 200 ? true : undefined),
      60_000,
      'the ingest healthy before any failure',
    );

    const byPartition = new Map<number, string[]>();
    const messages = Array.from({ length: PARTITIONS }, (_, partition) =>
      Array.from({ length: 5 }, () => {
        const event = cloudEvent(STUDY, exampleData(STUDY)) as { id: string };
        byPartition.set(partition, [...(byPartition.get(partition) ?? []), event.id]);
        return { partition, value: encodeEvent(event) };
      }),
    ).flat();
    await stack.produceTo(messages, 'partition-retry-e2e');

    const healthy = [...byPartition].filter(([p]) => p !== FAILING).flatMap(([, ids]) => ids);
    await eventually(
      async () => {
        const ids = await recordedIds();
        return healthy.every((id) => ids.has(id)) ? true : undefined;
      },
      90_000,
      'the other partitions recorded while one fails',
    );
    expect(
      [...(await recordedIds())].filter((id) => byPartition.get(FAILING)?.includes(id)),
    ).toEqual([]);

    const degraded = await eventually(
      async () => {
        const response = await fetch(`${base}/health`);
        return response.status === 503
          ? ((await response.json()) as {
              status: string;
              partitions: { partition: number; stalled: boolean; lag: number }[];
            })
          : undefined;
      },
      90_000,
      '/health degraded',
    );
    expect(degraded.status).toBe('degraded');
    expect(degraded.partitions.filter((p) => p.stalled).map((p) => p.partition)).toEqual([FAILING]);
    expect(degraded.partitions.find((p) => p.partition === FAILING)?.lag).toBe(5);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string, partition: number): number =>
      Number(new RegExp(`^${name}\\{partition="${partition}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('scantrail_ingest_batch_retries_total', FAILING)).toBeGreaterThanOrEqual(1);
    expect(value('scantrail_ingest_batch_retries_total', 0)).toBe(0);
    expect(value('scantrail_ingest_consumer_lag', FAILING)).toBe(5);
    expect(value('scantrail_ingest_consumer_lag', 0)).toBe(0);
    expect(value('scantrail_ingest_partition_stalled', FAILING)).toBe(1);

    await allow();
    await eventually(
      async () => {
        const ids = await recordedIds();
        return byPartition.get(FAILING)?.every((id) => ids.has(id)) ? true : undefined;
      },
      120_000,
      'the failing partition caught up after recovery',
    );
    await eventually(
      async () => ((await fetch(`${base}/health`)).status === 200 ? true : undefined),
      60_000,
      '/health ok again',
    );
    // Retried, never quarantined, and each event recorded once.
    const quarantined = await stack.db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM quarantined_messages',
    );
    expect(quarantined[0].n).toBe(0);
    const total = await stack.db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM ledger_entries',
    );
    expect(total[0].n).toBe(PARTITIONS * 5);
  });
});
