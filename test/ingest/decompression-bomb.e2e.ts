// Attack: decompression bombs. A hostile or buggy producer sends a record batch that is small
// on the wire (the broker checks only the compressed size against max.message.bytes, 1 MB)
// and expands to hundreds of MB: 400 MiB of one letter is about 400 KB of gzip and a few KB
// of zstd. Apache Kafka's own console producer (the jars the local broker runs) writes a gzip
// bomb on partition 1 and a zstd bomb on partition 2 of a 3-partition topic, between valid
// events on every partition. The BUILT ingest (its own process, as npm start runs it) must
// stay within 300 MB of resident memory (the limit), stay up, keep recording
// partition 0, leave the bombs' partitions at the bombs (nothing skipped silently), and say
// so: /health degraded naming the codec and the cap, the undecodable-batch counter, an
// error line without the payload.
// Reproduce: npm run build && npx jest --config jest.e2e.config.js test/ingest/decompression-bomb.e2e.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { freePort } from '@scantrail/local-postgres';
import { consolePartitionOf, consoleProduce, type ConsoleCodec } from '../support/console-producer';
import { E2eStack } from '../support/e2e-stack';
import { partitionOffsets, startAttackedIngest } from '../support/attacked-ingest';
import type { IngestProcess } from '../support/ingest-process';

const STUDY = 'org.scantrail.study.registered';
const PARTITIONS = 3;
const RSS_LIMIT_KB = 300 * 1024; // the limit
const BOMB_BYTES = 400 * 1024 * 1024;
/** Where each bomb goes; partition 0 gets none. */
const BOMBS: { codec: ConsoleCodec; partition: number }[] = [
  { codec: 'gzip', partition: 1 },
  { codec: 'zstd', partition: 2 },
];

let uid = 0;
/** A valid event whose key (its study uid, as the contract says) lands on `partition`. */
function validEventOn(partition: number): { partition: number; key: string; value: Buffer } {
  for (;;) {
    uid += 1;
    const studyInstanceUid = `2.25.${525252000 + uid}`;
    if (consolePartitionOf(studyInstanceUid, PARTITIONS) !== partition) continue;
    const event = cloudEvent(STUDY, exampleData(STUDY, { studyInstanceUid }), {
      subject: studyInstanceUid,
    });
    return { partition, key: studyInstanceUid, value: encodeEvent(event) };
  }
}

/** A key the console producer sends to `partition`. */
function keyOn(partition: number): string {
  for (let i = 0; ; i++) {
    if (consolePartitionOf(`bomb-${i}`, PARTITIONS) === partition) return `bomb-${i}`;
  }
}

/** One record of BOMB_BYTES letters, as console-producer input, in 1 MiB pieces. */
function* bombLine(key: string): Generator<string> {
  const piece = 'a'.repeat(1024 * 1024);
  yield `${key}\t`;
  for (let sent = 0; sent < BOMB_BYTES; sent += piece.length) yield piece;
  yield '\n';
}

describe('decompression bombs on the ingest (built ingest process, real Kafka, real PostgreSQL)', () => {
  let stack: E2eStack;
  let ingest: IngestProcess | undefined;
  let dataDir: string;
  let healthPort: number;

  beforeAll(async () => {
    stack = await E2eStack.open(PARTITIONS);
    dataDir = mkdtempSync(join(tmpdir(), 'scantrail-bomb-'));
    healthPort = await freePort();
  });

  afterAll(async () => {
    await ingest?.terminate();
    await stack?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const health = async (): Promise<Record<string, unknown> | undefined> => {
    try {
      const res = await fetch(`http://127.0.0.1:${healthPort}/health`);
      return (await res.json()) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const metrics = async (): Promise<string> => {
    try {
      return await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    } catch {
      return '';
    }
  };
  const offsets = (): Promise<Record<number, string>> => partitionOffsets(stack);

  it('should stay within 300 MB, keep recording the other partitions, and say which codec and cap refused the bombs', async () => {
    ingest = await startAttackedIngest(stack, {
      dataDir,
      healthPort,
      name: 'bomb',
      joined: async () => (await health())?.joined === true,
    });
    const proc = ingest;

    // Before: one valid event on every partition, recorded.
    const before = Array.from({ length: PARTITIONS }, (_, p) => validEventOn(p));
    await stack.produceTo(before, 'bomb-e2e-before');
    await stack.consumedThrough(1, PARTITIONS, 60_000, 'the first events recorded');
    const rssBefore = proc.memoryKb();

    // Peak resident memory, sampled while the process lives (VmHWM survives no exit).
    let peakKb = rssBefore?.peak ?? 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakKb = Math.max(peakKb, proc.memoryKb()?.peak ?? 0);
        await sleep(100);
      }
    })();

    for (const { codec, partition } of BOMBS) {
      await consoleProduce(stack.topic, codec, bombLine(keyOn(partition)), {
        heapMb: 3072,
        producerProperties: {
          'max.request.size': String(BOMB_BYTES + 1024 * 1024),
          'buffer.memory': String(2 * BOMB_BYTES),
          'linger.ms': '0',
          'request.timeout.ms': '120000',
        },
      });
    }
    // After: two valid events on every partition.
    const after = Array.from({ length: PARTITIONS }, (_, p) => [
      validEventOn(p),
      validEventOn(p),
    ]).flat();
    await stack.produceTo(after, 'bomb-e2e-after');

    // Partition 0 holds no bomb: its events after the bombs must be recorded.
    const deadline = Date.now() + 90_000;
    let seen: Record<number, string> = {};
    let shown: Record<string, unknown> | undefined;
    while (Date.now() < deadline && proc.exit() === undefined) {
      seen = await offsets();
      shown = await health();
      if (seen[0] === '3' && shown?.undecodableBatch !== undefined) break;
      await sleep(500);
    }
    // Long enough for a crash loop or a slow blow-up to show.
    await sleep(5_000);
    sampling = false;
    await sampler;
    seen = await offsets();
    shown = await health();
    const text = await metrics();
    const counted = (codec: string): number =>
      Number(
        new RegExp(
          `^scantrail_ingest_undecodable_batches_total\\{codec="${codec}"\\} (\\d+)`,
          'm',
        ).exec(text)?.[1] ?? 0,
      );
    console.log(
      `ingest RSS ${rssBefore?.rss} kB before the bombs, peak ${peakKb} kB; exit ${JSON.stringify(proc.exit())}; offsets ${JSON.stringify(seen)}; health ${JSON.stringify(shown)}\nlast output: ${proc
        .output()
        .slice(-3000)
        .replace(/a{8,}/g, (run) => `<${run.length} letters>`)}`,
    );

    const undecodable = shown?.undecodableBatch as { codec?: string; message?: string } | undefined;
    expect({
      alive: proc.exit() === undefined,
      peakWithinLimit: peakKb <= RSS_LIMIT_KB,
      // Partition 0 recorded everything; the bombs' partitions wait at their bombs (offset 1).
      offsets: seen,
      status: shown?.status,
      stalled: (shown?.partitions as { partition: number; stalled: boolean }[] | undefined)
        ?.filter((p) => p.stalled)
        .map((p) => p.partition),
      undecodableCodec: BOMBS.some((b) => b.codec === undecodable?.codec),
      namesTheCap: /INGEST_MAX_DECOMPRESSED_BYTES/.test(undecodable?.message ?? ''),
      counted: BOMBS.map((b) => counted(b.codec) >= 1),
    }).toEqual({
      alive: true,
      peakWithinLimit: true,
      offsets: { 0: '3', 1: '1', 2: '1' },
      status: 'degraded',
      stalled: [1, 2],
      undecodableCodec: true,
      namesTheCap: true,
      counted: [true, true],
    });

    // What was recorded from partition 0 is exactly its events; nothing of the bombs' partitions after them.
    const recorded = new Set(await stack.ledgerEventIds());
    const idOf = (m: { value: Buffer }): string =>
      (JSON.parse(m.value.toString()) as { id: string }).id;
    expect(after.filter((m) => recorded.has(idOf(m))).map((m) => m.partition)).toEqual([0, 0]);
    expect(before.every((m) => recorded.has(idOf(m)))).toBe(true);

    // The error lines name each codec and the cap, and carry none of the payload.
    const output = proc.output();
    for (const { codec } of BOMBS) {
      expect(output).toMatch(new RegExp(`"codec":"${codec}".*INGEST_MAX_DECOMPRESSED_BYTES`));
    }
    expect(output).not.toContain('aaaaaaaa');
  }, 600_000);
});
