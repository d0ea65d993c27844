// The quarantine's appends are ordered by commit (migration 1764113000000: a statement
// trigger takes its append lock, waiting at most 10 s). A session that appended to the
// quarantine and sat in its transaction (anyone with the apps' credentials can) must not
// stall the ingest silently or lose anything: the batch that quarantines waits 10 s, is
// rolled back and retried, the ingest says who holds the lock and counts the wait, and once
// the session ends every event is recorded once and the refused message quarantined once.
import { E2eStack } from '../support/e2e-stack';
import {
  lineNamingHolder,
  lockHolder,
  metricValue,
  studyRegistrations,
  type LockHolder,
} from '../support/held-lock';
import { testSettings } from '../support/test-env';

const EVENTS = 5;

describe("the ingest waiting for the quarantine's append lock another session holds", () => {
  let stack: E2eStack;
  let holder: LockHolder;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    stack = await E2eStack.open(1);
    holder = await lockHolder(stack.db.url, 'e2e-append-holder');
  });

  afterAll(async () => {
    await stack.ingest?.stop();
    await holder?.client.end();
    await stack.close();
  });

  it('should log who holds it and count the wait, then record every event once and quarantine the refused one once', async () => {
    const { pid } = holder;
    await holder.client.query('BEGIN');
    await holder.client.query(
      `INSERT INTO quarantined_messages (topic, partition, kafka_offset, reason, raw_key, raw_value)
       VALUES ('elsewhere', 0, 1, 'not_json: held', NULL, NULL)`,
    );

    const ingest = await stack.startIngestLoggingTo(
      testSettings({ ingestPort: 0 }),
      lines,
      'e2e-append-wait',
    );
    const { ids, messages } = studyRegistrations(EVENTS);
    messages.splice(2, 0, { partition: 0, value: Buffer.from('{not json') });
    await stack.produceTo(messages, 'append-order-wait-e2e');

    // The holders come by table: only the quarantine's are named here.
    const said = await lineNamingHolder(
      lines,
      pid,
      "a log line naming the session that holds the quarantine's append lock",
      (tables) =>
        (tables as { table: string; holders: { pid: number }[] }[])
          .filter((t) => t.table === 'quarantined_messages')
          .flatMap((t) => t.holders),
    );
    expect(said.level).toBe(40); // warn
    expect(said.msg).toMatch(/quarantine/);
    const waits = await metricValue(ingest, 'scantrail_ingest_append_order_waits_total');
    expect(waits).toBeGreaterThanOrEqual(1);
    // The waiting batch was rolled back whole: nothing of it is recorded yet.
    expect(await stack.ledgerEventIds()).toEqual([]);

    await holder.client.query('ROLLBACK');
    await stack.consumedThrough(EVENTS + 1, 1, 90_000, 'every message handled after the release');
    const recorded = await stack.ledgerEventIds();
    expect([...recorded].sort()).toEqual([...ids].sort()); // each once
    const quarantined = await stack.db.dataSource.query<{ kafka_offset: string; reason: string }[]>(
      'SELECT kafka_offset::text AS kafka_offset, reason FROM quarantined_messages ORDER BY id',
    );
    expect(quarantined.map((q) => q.kafka_offset)).toEqual(['2']);
    expect(quarantined[0].reason).toMatch(/^not_json: /);
  }, 180_000);
});
