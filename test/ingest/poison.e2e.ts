// The poison list: every kind of bad message a producer can send, each followed by a valid
// event on the same partition. Each bad one must land in the quarantine with its reason
// category, its exact bytes and its Kafka coordinates, none in the ledger, and the partition
// must keep flowing past it.
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { E2eStack } from '../support/e2e-stack';
import { createLargeMessageTopic } from '../support/large-message-topic';
import { eventually, testSettings } from '../support/test-env';

const STUDY = 'org.scantrail.study.registered';

/** A valid study event as a JSON object, with its own id (and anything overridden). */
function studyEvent(overrides: Record<string, unknown> = {}, data: object = {}): object {
  return cloudEvent(STUDY, { ...exampleData(STUDY), ...data }, overrides);
}

function withoutKey(object: object, key: string): object {
  const { [key]: _dropped, ...rest } = object as Record<string, unknown>;
  return rest;
}

/** Inserts `bytes` right after the first occurrence of `marker` in `value`. */
function insertAfter(value: Buffer, marker: string, bytes: Buffer): Buffer {
  const at = value.indexOf(marker) + Buffer.byteLength(marker);
  return Buffer.concat([value.subarray(0, at), bytes, value.subarray(at)]);
}

interface Poison {
  name: string;
  value: Buffer | null;
  /** The reason's category: the text before the first colon. */
  category: string;
}

function poisonList(): Poison[] {
  const whole = encodeEvent(studyEvent());
  const deep = 100_000;
  const head = JSON.stringify(studyEvent()).replace(/"data":\{.*\}\}$/, '"data":');
  return [
    {
      name: 'invalid UTF-8',
      value: insertAfter(whole, '"facility":"', Buffer.from([0xc3, 0x28, 0xff])),
      category: 'not_utf8',
    },
    {
      name: 'truncated JSON',
      value: whole.subarray(0, Math.floor(whole.length / 2)),
      category: 'not_json',
    },
    {
      name: '100k-deep nesting',
      value: Buffer.from(`${head}{"x":${'['.repeat(deep)}${']'.repeat(deep)}}}`),
      category: 'too_deep',
    },
    {
      name: 'a 2 MB value',
      value: encodeEvent(studyEvent({}, { description: 'x'.repeat(2 * 1024 * 1024) })),
      category: 'too_large',
    },
    {
      name: 'a number for the id',
      value: encodeEvent(studyEvent({ id: 42 })),
      category: 'not_cloudevent',
    },
    {
      name: 'a number for a data field',
      value: encodeEvent(studyEvent({}, { modality: 7 })),
      category: 'invalid_data',
    },
    {
      name: 'an unknown type',
      value: encodeEvent(studyEvent({ type: 'org.scantrail.study.archived' })),
      category: 'unknown_type',
    },
    {
      name: 'a missing source',
      value: encodeEvent(withoutKey(studyEvent(), 'source')),
      category: 'not_cloudevent',
    },
    {
      name: 'a missing data field',
      value: encodeEvent(studyEvent({ data: withoutKey(exampleData(STUDY), 'studyDate') })),
      category: 'invalid_data',
    },
    {
      name: 'a bad time',
      value: encodeEvent(studyEvent({ time: '2024-13-45T25:61:00Z' })),
      category: 'not_cloudevent',
    },
    {
      name: 'duplicate keys',
      value: insertAfter(whole, '{', Buffer.from('"id":"evt-shadow",')),
      category: 'duplicate_key',
    },
    { name: 'a null value (tombstone)', value: null, category: 'empty' },
    { name: 'an empty value', value: Buffer.alloc(0), category: 'empty' },
    {
      name: 'a JSON array (batch format)',
      value: Buffer.from(`[${whole.toString()}]`),
      category: 'not_cloudevent',
    },
  ];
}

describe('ingest of poison messages (real Kafka, real PostgreSQL)', () => {
  let stack: E2eStack;

  beforeAll(async () => {
    stack = await E2eStack.open(1, createLargeMessageTopic);
  });

  afterAll(() => stack.close());

  it('should quarantine each poison message with its reason, bytes and coordinates and keep the partition flowing when they are interleaved with valid events', async () => {
    const poisons = poisonList();
    // Valid event, poison, valid event, poison, ..., valid event, and a re-sent valid event
    // (a duplicate: neither recorded again nor quarantined). One partition: offset = index.
    const valid = Array.from({ length: poisons.length + 1 }, () => studyEvent());
    const messages: { key: string; value: Buffer | null }[] = [];
    const poisonAt = new Map<number, Poison>();
    valid.forEach((event, i) => {
      messages.push({ key: `valid-${i}`, value: encodeEvent(event) });
      if (i < poisons.length) {
        poisonAt.set(messages.length, poisons[i]);
        messages.push({ key: `poison-${i}`, value: poisons[i].value });
      }
    });
    messages.push({ key: 'valid-0', value: encodeEvent(valid[0]) });

    const { db, kafka, topic } = stack;
    await stack.startIngest(testSettings());
    const producer = await kafka.producer();
    // One send per message: each batch must stay under the topic's max.message.bytes.
    for (const message of messages) await producer.send(topic, [message]);
    await producer.disconnect();

    const stored = await stack.consumedThrough(
      messages.length,
      1,
      60_000,
      'every message consumed',
    );
    expect(stored).toEqual([{ partition: 0, next_offset: String(messages.length) }]);

    const quarantined = await db.dataSource.query<
      {
        topic: string;
        partition: number;
        kafka_offset: string;
        reason: string;
        raw_key: Buffer | null;
        raw_value: Buffer | null;
      }[]
    >(
      `SELECT topic, partition, kafka_offset::text AS kafka_offset, reason, raw_key, raw_value
         FROM quarantined_messages ORDER BY quarantined_messages.kafka_offset`,
    );
    const expected = [...poisonAt].map(([offset, poison]) => ({
      name: poison.name,
      topic,
      partition: 0,
      offset: String(offset),
      category: poison.category,
      key: `poison-${poisons.indexOf(poison)}`,
      value: poison.value?.toString('hex') ?? null,
    }));
    const actual = quarantined.map((q) => ({
      name: poisonAt.get(Number(q.kafka_offset))?.name ?? 'not a poison message',
      topic: q.topic,
      partition: q.partition,
      offset: q.kafka_offset,
      category: q.reason.split(':', 1)[0],
      key: q.raw_key?.toString() ?? null,
      value: q.raw_value?.toString('hex') ?? null,
    }));
    expect(actual).toEqual(expected);
    // A reason is more than its category: it says what was wrong.
    for (const q of quarantined) expect(q.reason).toMatch(/^[a-z0-9_]+: \S/);

    expect(await stack.ledgerEventIds()).toEqual(valid.map((e) => (e as { id: string }).id));
  });

  // Not a poison message at all: valid, but hostile to the code that pseudonymizes it (an
  // identifier of 30,000 characters and regular-expression syntax, repeated in the free
  // text). It is recorded with the identifier nowhere in the ledger, and the partition flows.
  it('should record a valid event whose identifier is hostile to pseudonymization, and the next one', async () => {
    const { db, kafka, topic } = stack;
    if (stack.ingest === undefined) await stack.startIngest(testSettings());
    const value = `${'A'.repeat(30_000)}(b+)*[`;
    const hostile = studyEvent(
      {},
      {
        studyInstanceUid: '2.25.4242424242',
        patient: { system: 'urn:oid:2.16.840.1.113883.3.7', value },
        description: `${value.toLowerCase()} again ${value}`,
      },
    );
    const next = studyEvent();
    const before = await stack.ledgerEventIds();
    const producer = await kafka.producer();
    await producer.send(topic, [{ key: 'hostile', value: encodeEvent(hostile) }]);
    await producer.send(topic, [{ key: 'next', value: encodeEvent(next) }]);
    await producer.disconnect();
    const ids = [hostile, next].map((e) => (e as { id: string }).id);
    const recorded = await eventually(
      async () => {
        const all = await stack.ledgerEventIds();
        return ids.every((id) => all.includes(id)) ? all : undefined;
      },
      60_000,
      'the hostile event and the next one in the ledger',
    );
    expect(recorded).toEqual([...before, ...ids]);
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ledger_entries WHERE leaf_data LIKE '%' || $1 || '%'`,
      ['A'.repeat(1_000)],
    );
    expect(n).toBe(0);
    const [{ description }] = await db.dataSource.query<{ description: string }[]>(
      'SELECT description FROM rm_studies WHERE study_uid = $1',
      ['2.25.4242424242'],
    );
    expect(description).toMatch(/^pv_[A-Za-z0-9_-]{43} again pv_[A-Za-z0-9_-]{43}$/);
  });
});
