// Guard (passes on main; not a finding): the ingest reads only a message's value, so a Kafka
// key or headers of any shape never stall a partition. Through real Kafka: a null key, a
// binary key (NUL and invalid UTF-8 bytes), duplicate header names, binary header values
// and about 1 MiB of headers, each on a valid event and on a poison message, then a valid
// event behind them: the valid ones are recorded, the poison ones quarantined with their exact
// key bytes, and the partition's place reaches the end.
// Reproduce: npx jest --config jest.e2e.config.js test/ingest/odd-keys-headers.e2e.ts
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
// KafkaJS directly: the adapter's producer sends no headers, and the topic needs a
// max.message.bytes with room for 1 MiB of headers.
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { E2eStack } from '../support/e2e-stack';
import { createLargeMessageTopic } from '../support/large-message-topic';
import { e2eServices, testSettings } from '../support/test-env';

const STUDY = 'org.scantrail.study.registered';

const studyEvent = (): { id: string } => cloudEvent(STUDY, exampleData(STUDY));

const kafkaJs = (): Kafka =>
  new Kafka({
    clientId: 'odd-keys-e2e',
    brokers: e2eServices().brokers,
    logLevel: logLevel.NOTHING,
  });

const binaryKey = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x00, 0x0a]);
const manyHeaders: IHeaders = Object.fromEntries(
  Array.from({ length: 1024 }, (_, i) => [`h-${i}`, Buffer.alloc(1024, i % 256)]),
);
const shapes: { name: string; key: Buffer | null; headers?: IHeaders }[] = [
  { name: 'a null key', key: null },
  { name: 'a binary key', key: binaryKey },
  {
    name: 'duplicate header names',
    key: Buffer.from('dup'),
    headers: { 'ce-type': ['a', 'b', 'c'], dup: [Buffer.from([0]), Buffer.from([0xff])] },
  },
  { name: 'about 1 MiB of headers', key: Buffer.from('big'), headers: manyHeaders },
];

describe('ingest of messages with odd Kafka keys and headers (real Kafka, real PostgreSQL)', () => {
  let stack: E2eStack;

  beforeAll(async () => {
    stack = await E2eStack.open(1, createLargeMessageTopic);
  });

  afterAll(() => stack.close());

  it('should record the valid ones, quarantine the poison ones with their key bytes and keep the partition flowing', async () => {
    const { db, topic } = stack;
    await stack.startIngest(testSettings());
    const valid: { id: string }[] = [];
    const messages: { key: Buffer | null; value: Buffer; headers?: IHeaders }[] = [];
    for (const shape of shapes) {
      const event = studyEvent();
      valid.push(event);
      messages.push({ key: shape.key, value: encodeEvent(event), headers: shape.headers });
      messages.push({ key: shape.key, value: Buffer.from('not json'), headers: shape.headers });
    }
    const last = studyEvent();
    valid.push(last);
    messages.push({ key: null, value: encodeEvent(last) });

    const producer = kafkaJs().producer();
    await producer.connect();
    try {
      // One send per message: each batch stays under the topic's max.message.bytes.
      for (const message of messages) await producer.send({ topic, messages: [message] });
    } finally {
      await producer.disconnect();
    }

    const stored = await stack.consumedThrough(
      messages.length,
      1,
      60_000,
      'every message consumed',
    );
    expect(stored).toEqual([{ partition: 0, next_offset: String(messages.length) }]);
    const quarantined = await db.dataSource.query<
      { kafka_offset: string; reason: string; raw_key: Buffer | null }[]
    >(
      `SELECT kafka_offset::text AS kafka_offset, reason, raw_key
         FROM quarantined_messages ORDER BY kafka_offset`,
    );
    expect(
      quarantined.map((q) => ({
        offset: q.kafka_offset,
        category: q.reason.split(':', 1)[0],
        key: q.raw_key?.toString('hex') ?? null,
      })),
    ).toEqual(
      shapes.map((shape, i) => ({
        offset: String(2 * i + 1),
        category: 'not_json',
        key: shape.key?.toString('hex') ?? null,
      })),
    );
    expect(await stack.ledgerEventIds()).toEqual(valid.map((e) => e.id));
  });
});
