// Attack: record batches compressed by a producer that is not KafkaJS. Hospitals' Java
// clients and librdkafka set compression.type snappy, lz4 or zstd; KafkaJS decodes only
// gzip by itself. Apache Kafka's own console producer (the jars the local broker runs)
// writes valid events, and one malformed event, in batches of each codec on every
// partition, then plain batches follow: every event must be recorded exactly once, the
// malformed ones quarantined with their reason, and every partition's place must reach its
// end with the ingest healthy.
// Reproduce: npx jest --config jest.e2e.config.js test/ingest/compressed-batches.e2e.ts
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { ensureKafkaJars } from '@scantrail/local-kafka';
import { consolePartitionOf, consoleProduce } from '../support/console-producer';
import { E2eStack } from '../support/e2e-stack';
import { e2eServices, testSettings } from '../support/test-env';

const STUDY = 'org.scantrail.study.registered';
const PARTITIONS = 3;
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
type Codec = (typeof CODECS)[number];
/** Valid events per codec and partition, written together so that they share a batch. */
const VALID_PER_BATCH = 3;

let uid = 0;
/** A fresh study uid (the event's key, as the contract says) that lands on `partition`. */
function studyUidOn(partition: number): string {
  for (;;) {
    uid += 1;
    const candidate = `2.25.${424242000 + uid}`;
    if (consolePartitionOf(candidate, PARTITIONS) === partition) return candidate;
  }
}

interface Line {
  key: string;
  value: Buffer;
  partition: number;
  codec: Codec | 'none';
  /** Set on a valid event. */
  id?: string;
}

function validEvent(partition: number, codec: Line['codec']): Line {
  const studyInstanceUid = studyUidOn(partition);
  const event = cloudEvent(STUDY, exampleData(STUDY, { studyInstanceUid }), {
    subject: studyInstanceUid,
  });
  return { key: studyInstanceUid, value: encodeEvent(event), partition, codec, id: event.id };
}

/** Breaks the data's schema: a number for the modality. */
function malformedEvent(partition: number, codec: Codec): Line {
  const studyInstanceUid = studyUidOn(partition);
  const event = cloudEvent(STUDY, { ...exampleData(STUDY, { studyInstanceUid }), modality: 7 });
  return { key: studyInstanceUid, value: encodeEvent(event), partition, codec };
}

/** The codecs of the record batches the broker stores for the topic (DumpLogSegments). */
async function storedCodecs(topic: string): Promise<Set<string>> {
  const lib = await ensureKafkaJars();
  const files = Array.from({ length: PARTITIONS }, (_, p) =>
    join(e2eServices().dir, 'kafka', 'data', `${topic}-${p}`, '00000000000000000000.log'),
  );
  const child = spawn('java', [
    '-Xmx128m',
    '-cp',
    join(lib, '*'),
    'kafka.tools.DumpLogSegments',
    '--files',
    files.join(','),
  ]);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  return new Set([...output.matchAll(/compresscodec: (\w+)/g)].map((m) => m[1].toLowerCase()));
}

describe('ingest of compressed record batches from a non-KafkaJS producer (real Kafka, real PostgreSQL)', () => {
  let stack: E2eStack;

  beforeAll(async () => {
    stack = await E2eStack.open(PARTITIONS);
  });

  afterAll(() => stack.close());

  it('should record every event of snappy, lz4, zstd and gzip batches once, quarantine the malformed one of each batch, and reach the end of every partition', async () => {
    const { db, topic } = stack;
    const batches = CODECS.map((codec) => ({
      codec,
      lines: Array.from({ length: PARTITIONS }, (_, partition) => [
        ...Array.from({ length: VALID_PER_BATCH }, () => validEvent(partition, codec)),
        malformedEvent(partition, codec),
      ]).flat(),
    }));
    const plain = Array.from({ length: PARTITIONS }, (_, partition) =>
      validEvent(partition, 'none'),
    );

    await stack.startIngest(testSettings());
    for (const { codec, lines } of batches) {
      await consoleProduce(
        topic,
        codec,
        lines.map((l) => `${l.key}\t${l.value.toString('utf8')}\n`),
      );
    }
    await stack.produceTo(
      plain.map((l) => ({ partition: l.partition, key: l.key, value: l.value })),
      'compressed-e2e-plain',
    );
    // The attack is what it says: the broker holds batches of every codec.
    expect(await storedCodecs(topic)).toEqual(new Set(['gzip', 'snappy', 'lz4', 'zstd', 'none']));

    const perPartition = CODECS.length * (VALID_PER_BATCH + 1) + 1;
    const stored = await stack.consumedThrough(
      perPartition,
      PARTITIONS,
      60_000,
      `every partition's place at ${perPartition} (all compressed and plain messages handled)`,
    );
    expect(stored.map((r) => r.next_offset)).toEqual(Array(PARTITIONS).fill(String(perPartition)));

    const all = [...batches.flatMap((b) => b.lines), ...plain];
    const validIds = all.flatMap((l) => (l.id === undefined ? [] : [l.id]));
    const recorded = await stack.ledgerEventIds();
    expect([...recorded].sort()).toEqual([...validIds].sort());

    const quarantined = await db.dataSource.query<
      { partition: number; reason: string; raw_key: Buffer; raw_value: Buffer }[]
    >('SELECT partition, reason, raw_key, raw_value FROM quarantined_messages');
    const malformed = all.filter((l) => l.id === undefined);
    expect(
      quarantined
        .map((q) => ({
          partition: q.partition,
          category: q.reason.split(':', 1)[0],
          key: q.raw_key.toString(),
          value: q.raw_value.toString('hex'),
        }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    ).toEqual(
      malformed
        .map((l) => ({
          partition: l.partition,
          category: 'invalid_data',
          key: l.key,
          value: l.value.toString('hex'),
        }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    );
    for (const q of quarantined) expect(q.reason).toMatch(/^invalid_data: \S/);

    const health = await stack.ingest!.health();
    expect({ status: health.status, stalled: health.partitions.filter((p) => p.stalled) }).toEqual({
      status: 'ok',
      stalled: [],
    });
  });
});
