// The quarantine's appends are ordered by commit (migration 1764113000000: a statement
// trigger takes its append lock, waiting at most 10 s). A session that appended to the
// quarantine and sat in its transaction (anyone with the apps' credentials can) must not
// stall the ingest silently or lose anything: the batch that quarantines waits 10 s, is
// rolled back and retried, the ingest says who holds the lock and counts the wait, and once
// the session ends every event is recorded once and the refused message quarantined once.
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { Client } from 'pg';
import { E2eStack } from '../support/e2e-stack';
import { connectedClient, eventually, testSettings } from '../support/test-env';

const STUDY = 'org.scantrail.study.registered';
const EVENTS = 5;

describe("the ingest waiting for the quarantine's append lock another session holds", () => {
  let stack: E2eStack;
  let holder: Client;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    stack = await E2eStack.open(1);
    holder = await connectedClient(stack.db.url, 'e2e-append-holder');
  });

  afterAll(async () => {
    await stack.ingest?.stop();
    await holder?.end();
    await stack.close();
  });

  it('should log who holds it and count the wait, then record every event once and quarantine the refused one once', async () => {
    const {
      rows: [{ pid }],
    } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO quarantined_messages (topic, partition, kafka_offset, reason, raw_key, raw_value)
       VALUES ('elsewhere', 0, 1, 'not_json: held', NULL, NULL)`,
    );

    const ingest = await stack.startIngestLoggingTo(
      testSettings({ ingestPort: 0 }),
      lines,
      'e2e-append-wait',
    );
    const ids: string[] = [];
    const messages = Array.from({ length: EVENTS }, () => {
      const event = cloudEvent(STUDY, exampleData(STUDY)) as { id: string };
      ids.push(event.id);
      return { partition: 0, value: encodeEvent(event) };
    });
    messages.splice(2, 0, { partition: 0, value: Buffer.from('{not json') });
    await stack.produceTo(messages, 'append-order-wait-e2e');

    const said = await eventually(
      async () =>
        Promise.resolve(
          lines.find(
            (l) =>
              Array.isArray(l.holders) &&
              (l.holders as { table: string; holders: { pid: number }[] }[]).some(
                (t) => t.table === 'quarantined_messages' && t.holders.some((h) => h.pid === pid),
              ),
          ),
        ),
      60_000,
      "a log line naming the session that holds the quarantine's append lock",
    );
    expect(said.level).toBe(40); // warn
    expect(said.msg).toMatch(/quarantine/);
    const metrics = await (await fetch(`http://127.0.0.1:${ingest.httpPort}/metrics`)).text();
    const waits = Number(/^scantrail_ingest_append_order_waits_total (\S+)$/m.exec(metrics)?.[1]);
    expect(waits).toBeGreaterThanOrEqual(1);
    // The waiting batch was rolled back whole: nothing of it is recorded yet.
    expect(await stack.ledgerEventIds()).toEqual([]);

    await holder.query('ROLLBACK');
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
