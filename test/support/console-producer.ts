// Apache Kafka's own console producer (what bin/kafka-console-producer.sh runs), from the
// jars the local broker runs: a producer that is not KafkaJS, as a hospital's Java client
// would be. One record per line, `key<TAB>value`, batched per partition and compressed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureKafkaJars } from '@scantrail/local-kafka';
// KafkaJS's Java-compatible partitioner, only to pick keys that land on chosen partitions.
import { Partitioners } from 'kafkajs';
import { e2eServices } from './test-env';

export type ConsoleCodec = 'gzip' | 'snappy' | 'lz4' | 'zstd';

const javaPartitioner = Partitioners.DefaultPartitioner();

/** The partition of `partitions` that the console producer (Java's murmur2) sends `key` to. */
export function consolePartitionOf(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return javaPartitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
}

export interface ConsoleProduceOptions {
  /** Extra producer properties (`--producer-property name=value`). */
  producerProperties?: Record<string, string>;
  /** The producer JVM's heap; default 128 MB. */
  heapMb?: number;
}

/**
 * Writes `input` (text of `key<TAB>value` lines) to the console producer's standard input,
 * chunk by chunk as it reads them; resolves once every record is acknowledged by all
 * replicas and the producer exited.
 */
export async function consoleProduce(
  topic: string,
  codec: ConsoleCodec,
  input: Iterable<string | Buffer>,
  options: ConsoleProduceOptions = {},
): Promise<void> {
  const lib = await ensureKafkaJars();
  const properties = {
    acks: 'all',
    // Every line is read before the first batch is sent: one batch per partition.
    'linger.ms': '500',
    ...options.producerProperties,
  };
  const child = spawn(
    'java',
    [
      `-Xmx${options.heapMb ?? 128}m`,
      '-cp',
      join(lib, '*'),
      'kafka.tools.ConsoleProducer',
      '--bootstrap-server',
      e2eServices().brokers.join(','),
      '--topic',
      topic,
      '--compression-codec',
      codec,
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=\t',
      ...Object.entries(properties).flatMap(([name, value]) => [
        '--producer-property',
        `${name}=${value}`,
      ]),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8192)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8192)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  child.stdin.on('error', () => undefined); // an early exit is reported with its output below
  for (const chunk of input) {
    if (!child.stdin.write(chunk)) {
      const drained = new Promise<void>((resolve) => child.stdin.once('drain', resolve));
      await Promise.race([drained, exited]);
    }
    if (child.exitCode !== null) break;
  }
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`console producer (${codec}) exited with ${code}:\n${output}`);
}
