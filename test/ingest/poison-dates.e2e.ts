// Dates that RFC 3339 allows but PostgreSQL refuses (issue 10, item 1): before validation
// knew PostgreSQL's range, each of these failed its batch transaction and stalled its
// partition forever. Each partition gets all three, each followed by a valid event: every
// valid event must be recorded, every poison quarantined with its precise reason.
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { E2eStack } from '../support/e2e-stack';
import { testSettings } from '../support/test-env';

const STUDY = 'org.scantrail.study.registered';
const AGREEMENT = 'org.scantrail.agreement.signed';
const PARTITIONS = 3;

interface DatePoison {
  name: string;
  event: () => object;
  reason: RegExp;
}

const POISONS: DatePoison[] = [
  {
    name: 'time with offset +16:00',
    event: () => cloudEvent(STUDY, exampleData(STUDY), { time: '2024-05-01T12:00:00+16:00' }),
    reason: /^invalid_data: time: has the offset \+16:00, beyond the \+-15:59 PostgreSQL stores$/,
  },
  {
    name: 'time in year 0000',
    event: () => cloudEvent(STUDY, exampleData(STUDY), { time: '0000-01-01T00:00:00Z' }),
    reason: /^invalid_data: time: has year 0000/,
  },
  {
    name: 'effectiveFrom in year 0000',
    event: () => cloudEvent(AGREEMENT, { ...exampleData(AGREEMENT), effectiveFrom: '0000-01-01' }),
    reason: /^invalid_data: data\.effectiveFrom: has year 0000/,
  },
];

describe('ingest of dates PostgreSQL refuses (real Kafka, real PostgreSQL)', () => {
  let stack: E2eStack;

  beforeAll(async () => {
    stack = await E2eStack.open(PARTITIONS);
  });

  afterAll(() => stack.close());

  it('should record every valid event and quarantine each poison date with its reason when all three poisons sit on each of three partitions', async () => {
    // Per partition: poison, valid, poison, valid, poison, valid (offsets 0..5).
    const expectedValid: string[] = [];
    const messages = Array.from({ length: PARTITIONS }, (_, partition) =>
      POISONS.flatMap((poison) => {
        const valid = cloudEvent(STUDY, exampleData(STUDY)) as { id: string };
        expectedValid.push(valid.id);
        return [
          { partition, key: `poison-${partition}`, value: encodeEvent(poison.event()) },
          { partition, key: `valid-${partition}`, value: encodeEvent(valid) },
        ];
      }),
    ).flat();

    await stack.startIngest(testSettings(), PARTITIONS);
    await stack.produceTo(messages, 'poison-dates-e2e');
    await stack.consumedThrough(
      POISONS.length * 2,
      PARTITIONS,
      90_000,
      'every partition consumed past its poison dates',
    );

    expect((await stack.ledgerEventIds()).sort()).toEqual([...expectedValid].sort());

    const quarantined = await stack.db.dataSource.query<
      { partition: number; kafka_offset: string; reason: string }[]
    >(
      `SELECT partition, kafka_offset::text AS kafka_offset, reason FROM quarantined_messages
        ORDER BY partition, quarantined_messages.kafka_offset`,
    );
    expect(quarantined.map((q) => [q.partition, q.kafka_offset])).toEqual(
      Array.from({ length: PARTITIONS }, (_, p) => ['0', '2', '4'].map((o) => [p, o])).flat(),
    );
    for (const q of quarantined) {
      expect(q.reason).toMatch(POISONS[Number(q.kafka_offset) / 2].reason);
    }
  });
});
