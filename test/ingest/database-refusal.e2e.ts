// The safety net behind validation (issue 10, item 1): a message that passes every check of
// the decoder but that PostgreSQL refuses must not stall its partition. The test's own
// database gets a CHECK constraint the decoder cannot know of; a batch holding refused
// messages is split until each stands alone and is quarantined with its SQLSTATE, while
// every other message of the batch is recorded exactly once.
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { Client } from 'pg';
import { E2eStack, ledgerVerdict } from '../support/e2e-stack';
import { testSettings } from '../support/test-env';

const STUDY = 'org.scantrail.study.registered';
const REFUSED_MARKER = 'refused-by-the-test-constraint';
const CONSTRAINT = 'e2e_refuses_marked_entries';

function study(description?: string): { id: string } & object {
  return cloudEvent(STUDY, { ...exampleData(STUDY), ...(description ? { description } : {}) });
}

describe('ingest of messages PostgreSQL refuses after validation (real Kafka, real PostgreSQL)', () => {
  let stack: E2eStack;
  const settings = testSettings();

  beforeAll(async () => {
    stack = await E2eStack.open(1);
    // Schema changes are the owner's: the apps' role (db.dataSource) owns nothing.
    const owner = new Client({ connectionString: stack.db.ownerUrl });
    await owner.connect();
    await owner.query(
      `ALTER TABLE ledger_entries ADD CONSTRAINT ${CONSTRAINT} CHECK (leaf_data NOT LIKE '%${REFUSED_MARKER}%')`,
    );
    await owner.end();
  });

  afterAll(() => stack.close());

  it('should quarantine each refused message with rejected_by_database and its SQLSTATE and record the rest of the batch exactly once when the database refuses some of a batch', async () => {
    // One send, one partition: the ingest reads them as one batch (or a few).
    const events = Array.from({ length: 40 }, (_, i) =>
      study([3, 17, 18, 39].includes(i) ? `${REFUSED_MARKER} ${i}` : undefined),
    );
    const refusedOffsets = ['3', '17', '18', '39'];
    const producer = await stack.kafka.producer();
    await producer.send(
      stack.topic,
      events.map((e, i) => ({ key: `k-${i % 3}`, value: encodeEvent(e) })),
    );
    await producer.disconnect();

    await stack.startIngest(settings, 1);
    await stack.consumedThrough(
      events.length,
      1,
      90_000,
      'the partition consumed past the refused messages',
    );

    const quarantined = await stack.db.dataSource.query<
      { kafka_offset: string; reason: string; raw_value: Buffer }[]
    >(
      `SELECT kafka_offset::text AS kafka_offset, reason, raw_value FROM quarantined_messages
        ORDER BY quarantined_messages.kafka_offset`,
    );
    expect(quarantined.map((q) => q.kafka_offset)).toEqual(refusedOffsets);
    for (const q of quarantined) {
      expect(q.reason).toBe(
        `rejected_by_database: 23514 new row for relation "ledger_entries" violates check constraint "${CONSTRAINT}"`,
      );
      expect(q.raw_value.equals(encodeEvent(events[Number(q.kafka_offset)]))).toBe(true);
    }

    const expected = events.filter((_, i) => !refusedOffsets.includes(String(i))).map((e) => e.id);
    // Exactly once, in partition order, and the split left a sound log behind.
    expect(await stack.ledgerEventIds()).toEqual(expected);
    expect(await ledgerVerdict(stack.db.dataSource, settings, { storedHashes: true })).toBe('ok');
  });
});
