// Attack: a record with tens of thousands of Kafka headers. KafkaJS 2.2.4 folds a record's
// headers into an object with one object spread per header, which copies every header
// before it: 40,000 headers (about 400 KB, within the broker's default max.message.bytes)
// hold the ingest's one thread for minutes, in the middle of a fetch. Every partition
// waits, /health cannot answer, the group drops the silent member, and the rejoined
// consumer fetches the record and decodes it all over again. A producer (KafkaJS's, which
// sends headers) writes such a record, carrying a valid event, to partition 1 of 3 between
// valid events on every partition. The BUILT ingest (its own process, as npm start runs it)
// must keep recording partitions 0 and 2 and answering /health, quarantine the record with
// a reason that names its headers, record the events behind it, and stay within 300 MB.
// Reproduce: npm run build && npx jest --config jest.e2e.config.js test/ingest/header-flood.e2e.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { freePort } from '@scantrail/local-postgres';
// KafkaJS directly: the adapter's producer sends no headers.
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { E2eStack } from '../support/e2e-stack';
import { partitionOffsets, startAttackedIngest } from '../support/attacked-ingest';
import type { IngestProcess } from '../support/ingest-process';
import { e2eServices } from '../support/test-env';

const STUDY = 'org.scantrail.study.registered';
const PARTITIONS = 3;
const FLOODED = 1;
const HEADERS = 40_000;
const RSS_LIMIT_KB = 300 * 1024; // the decompression bombs' limit
/**
 * How long the other partitions and the flooded one's later events may take: generous (they
 * take a second or two when nothing blocks; decoding the record blocked for minutes).
 */
const FLOW_BOUND_MS = 60_000;
/** How long one /health request may take: it answers in milliseconds when nothing blocks. */
const HEALTH_BOUND_MS = 5_000;

let uid = 0;
function validEventOn(partition: number): { partition: number; value: Buffer; id: string } {
  uid += 1;
  const studyInstanceUid = `2.25.${626262000 + uid}`;
  const event = cloudEvent(STUDY, exampleData(STUDY, { studyInstanceUid }), {
    subject: studyInstanceUid,
  });
  return { partition, value: encodeEvent(event), id: event.id };
}

/** HEADERS distinct headers of one byte each: `h-0` to `h-39999`. */
function flood(): IHeaders {
  const headers: IHeaders = {};
  for (let i = 0; i < HEADERS; i++) headers[`h-${i}`] = Buffer.from([i % 256]);
  return headers;
}

describe('a record with tens of thousands of Kafka headers (built ingest process, real Kafka, real PostgreSQL)', () => {
  let stack: E2eStack;
  let ingest: IngestProcess | undefined;
  let dataDir: string;
  let healthPort: number;

  beforeAll(async () => {
    stack = await E2eStack.open(PARTITIONS);
    dataDir = mkdtempSync(join(tmpdir(), 'scantrail-headers-'));
    healthPort = await freePort();
  });

  afterAll(async () => {
    await ingest?.terminate(5_000);
    await stack?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** /health's answer and how long it took; undefined when it did not answer in time. */
  const health = async (): Promise<{ body?: Record<string, unknown>; ms: number }> => {
    const started = Date.now();
    try {
      const res = await fetch(`http://127.0.0.1:${healthPort}/health`, {
        signal: AbortSignal.timeout(HEALTH_BOUND_MS),
      });
      return { body: (await res.json()) as Record<string, unknown>, ms: Date.now() - started };
    } catch {
      return { ms: Date.now() - started };
    }
  };
  const offsets = (): Promise<Record<number, string>> => partitionOffsets(stack);

  it('should keep every partition flowing and /health answering, and quarantine the record naming its headers', async () => {
    ingest = await startAttackedIngest(stack, {
      dataDir,
      healthPort,
      name: 'headers',
      joined: async () => (await health()).body?.joined === true,
    });
    const proc = ingest;

    // Before: one valid event on every partition, recorded.
    const before = Array.from({ length: PARTITIONS }, (_, p) => validEventOn(p));
    await stack.produceTo(before, 'headers-e2e-before');
    await stack.consumedThrough(1, PARTITIONS, 60_000, 'the first events recorded');
    let peakKb = proc.memoryKb()?.peak ?? 0;

    // The flood: a valid event with HEADERS headers, at offset 1 of partition FLOODED.
    const flooded = validEventOn(FLOODED);
    const producer = new Kafka({
      clientId: 'headers-e2e',
      brokers: e2eServices().brokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    try {
      await producer.send({
        topic: stack.topic,
        acks: -1,
        messages: [{ partition: FLOODED, value: flooded.value, headers: flood() }],
      });
    } finally {
      await producer.disconnect();
    }
    // After: two valid events on every partition.
    const after = Array.from({ length: PARTITIONS }, (_, p) => [
      validEventOn(p),
      validEventOn(p),
    ]).flat();
    await stack.produceTo(after, 'headers-e2e-after');

    // Every partition must reach its end: 3 on the others, 4 on the flooded one.
    const expected = { 0: '3', 1: '4', 2: '3' };
    const started = Date.now();
    let seen: Record<number, string> = {};
    let slowest = 0;
    let unanswered = 0;
    while (Date.now() - started < FLOW_BOUND_MS && proc.exit() === undefined) {
      const probe = await health();
      slowest = Math.max(slowest, probe.ms);
      if (probe.body === undefined) unanswered += 1;
      peakKb = Math.max(peakKb, proc.memoryKb()?.peak ?? 0);
      seen = await offsets();
      if (JSON.stringify(seen) === JSON.stringify(expected)) break;
      await sleep(250);
    }
    const flowedMs = Date.now() - started;
    const quarantined = await stack.db.dataSource.query<
      { partition: number; kafka_offset: string; reason: string }[]
    >(
      `SELECT partition, kafka_offset::text AS kafka_offset, reason
         FROM quarantined_messages ORDER BY id`,
    );
    console.log(
      `${HEADERS} headers: offsets ${JSON.stringify(seen)} after ${flowedMs} ms; slowest /health ${slowest} ms, ${unanswered} unanswered; peak RSS ${peakKb} kB; quarantined ${JSON.stringify(quarantined)}\nlast output: ${proc.output().slice(-2000)}`,
    );

    expect({
      alive: proc.exit() === undefined,
      offsets: seen,
      healthAnsweredEveryTime: unanswered === 0,
      peakWithinLimit: peakKb <= RSS_LIMIT_KB,
    }).toEqual({
      alive: true,
      offsets: expected,
      healthAnsweredEveryTime: true,
      peakWithinLimit: true,
    });
    // The record is kept with a reason that says what was wrong with it, not recorded.
    expect(quarantined.map((q) => ({ ...q, reason: q.reason.split(':', 1)[0] }))).toEqual([
      { partition: FLOODED, kafka_offset: '1', reason: 'too_many_headers' },
    ]);
    expect(quarantined[0].reason).toContain(String(HEADERS));
    const recorded = new Set(await stack.ledgerEventIds());
    expect(recorded.has(flooded.id)).toBe(false);
    expect([...before, ...after].filter((m) => !recorded.has(m.id))).toEqual([]);
  }, 300_000);
});
