// npm run bench:scale -- [--events 30000] [--runs 3]
// Figures, not a test: the built ingest as ONE instance and as TWO instances of one consumer
// group side by side, on the same 6-partition topic, each on a fresh database; both must
// record exactly the expected entries and quarantine rows. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { decodeEventMessage } from '@scantrail/contract';
import { demoEvents, type DemoMessage } from '@scantrail/demo';
import { createKafka, type KafkaClient } from '@scantrail/kafka';
import { createDataSource, migrate } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import {
  ingestEnvironment,
  startIngestProcess,
  type IngestProcess,
} from '../test/support/ingest-process';
import { openBenchServer } from './support/bench-database';
import { formatCount, median, printTable, verdict } from './support/bench-stats';
import { benchKafka, runBench, startBenchRun, write } from './support/bench-run';

const PARTITIONS = 6;
const POLL_MS = 50;

const stamp = (): string => `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

function expected(messages: DemoMessage[]): { entries: number; quarantined: number } {
  const seen = new Set<string>();
  let quarantined = 0;
  for (const m of messages) {
    const decoded = decodeEventMessage(m.value);
    if (!decoded.ok) quarantined += 1;
    else seen.add(`${decoded.event.source} ${decoded.event.id}`);
  }
  return { entries: seen.size, quarantined };
}

async function produceAll(kafka: KafkaClient, topic: string, messages: DemoMessage[]) {
  const producer = await kafka.producer();
  for (let i = 0; i < messages.length; i += 1000) {
    await producer.send(
      topic,
      messages.slice(i, i + 1000).map((m) => ({ key: m.key, value: m.value })),
    );
  }
  await producer.disconnect();
}

interface ScaleRun {
  perSecond: number;
  peakRssMb: number;
  correct: boolean;
}

/** `instances` ingest processes in one group until every message's effects are committed. */
async function runIngest(
  instances: number,
  brokers: string[],
  url: string,
  db: DataSource,
  topic: string,
  total: number,
  want: { entries: number; quarantined: number },
  dataDir: string,
): Promise<ScaleRun> {
  const groupId = `bench-scale-${stamp()}`;
  const procs: IngestProcess[] = [];
  for (let i = 0; i < instances; i++) {
    const { env } = ingestEnvironment({
      databaseUrl: url,
      brokers,
      topic,
      groupId,
      dataDir: join(dataDir, `instance-${i}`),
      checkpointIntervalS: 10,
      logLevel: 'warn',
    });
    procs.push(startIngestProcess({ env, label: `scale ingest ${i + 1}/${instances}` }));
  }
  let first: { at: number; count: number } | undefined;
  let peakKb = 0;
  let done = 0;
  try {
    for (;;) {
      const dead = procs.find((p) => p.exit());
      if (dead) throw new Error(`ingest exited: ${dead.output().slice(-4000)}`);
      const rows = await db.query<{ n: string }[]>(
        `SELECT COALESCE(SUM(next_offset), 0)::text AS n FROM ingest_offsets
          WHERE group_id = $1 AND topic = $2`,
        [groupId, topic],
      );
      const n = Number(rows[0].n);
      const now = performance.now();
      peakKb = Math.max(peakKb, ...procs.map((p) => p.memoryKb()?.peak ?? 0));
      if (n > 0) first ??= { at: now, count: n };
      if (n >= total) {
        done = now;
        break;
      }
      await sleep(POLL_MS);
    }
  } finally {
    await Promise.all(procs.map((p) => p.terminate()));
  }
  const [counts] = await db.query<{ entries: number; quarantined: number }[]>(
    `SELECT (SELECT count(*) FROM ledger_entries)::int AS entries,
            (SELECT count(*) FROM quarantined_messages WHERE topic = $1)::int AS quarantined`,
    [topic],
  );
  return {
    perSecond: (total - first!.count) / ((done - first!.at) / 1000),
    peakRssMb: peakKb / 1024,
    correct: counts.entries === want.entries && counts.quarantined === want.quarantined,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '30000' },
      runs: { type: 'string', default: '3' },
    },
  });
  const events = Number(values.events);
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(events) || events < 1 || !Number.isSafeInteger(runs) || runs < 1)
    throw new Error('--events and --runs must be positive integers');
  const bench = startBenchRun('scale');
  const { root, stops } = bench;
  try {
    write(
      `scantrail scale benchmark: ${formatCount(events)} events, ${PARTITIONS} partitions, ${runs} run(s); ` +
        `${cpus().length} cores, node ${process.version}, load ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const server = await openBenchServer();
    stops.push(() => server.stop());
    const { brokers } = await benchKafka(bench);
    const messages = [...demoEvents({ events, seed: 11 })];
    const want = expected(messages);
    const kafka = createKafka({ brokers, clientId: 'bench-scale' });
    stops.push(() => kafka.disconnect());
    const topic = `bench-scale-${stamp()}`;
    await kafka.ensureTopic(topic, PARTITIONS);
    await produceAll(kafka, topic, messages);
    write(`produced ${formatCount(messages.length)} messages to ${topic}`);

    const rates: Record<1 | 2, ScaleRun[]> = { 1: [], 2: [] };
    for (let run = 1; run <= runs; run++) {
      // Alternate the order, so a change of machine load does not favour one side.
      for (const instances of run % 2 === 1 ? ([1, 2] as const) : ([2, 1] as const)) {
        const database = await server.createDatabase('bench_scale');
        const db = createDataSource(database.url, { name: 'bench-scale-watch', poolSize: 2 });
        await db.initialize();
        await migrate(db);
        try {
          const result = await runIngest(
            instances,
            brokers,
            database.url,
            db,
            topic,
            messages.length,
            want,
            join(root, `run-${run}-${instances}`),
          );
          rates[instances].push(result);
          write(
            `  run ${run}, ${instances} instance(s): ${formatCount(result.perSecond)} events/s, ` +
              `peak RSS ${result.peakRssMb.toFixed(0)} MB per process, ${result.correct ? 'exactly once' : 'WRONG'}; load ${loadavg()[0].toFixed(2)}`,
          );
        } finally {
          await db.destroy();
          await database.drop();
        }
      }
    }
    const one = median(rates[1].map((r) => r.perSecond));
    const two = median(rates[2].map((r) => r.perSecond));
    const correct = [...rates[1], ...rates[2]].every((r) => r.correct);
    printTable(
      ['measure', 'value', 'baseline / target', 'verdict'],
      [
        ['1 instance, 6 partitions (events/s, median)', formatCount(one), 'baseline', ''],
        [
          '2 instances, 6 partitions (events/s, median)',
          formatCount(two),
          `${((two / one) * 100).toFixed(0)}% of 1 instance`,
          two >= one ? 'not slower' : 'slower',
        ],
        ['every run recorded exactly once', correct ? 'yes' : 'no', 'yes', verdict(correct)],
      ],
      (line) => write(`  ${line}`),
    );
    write(
      `  one sequencer per log: appends of both instances serialize on the ledger's advisory lock, so a second instance adds failover and overlaps decoding and projection, not appends (docs/scaling.md). load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    if (!correct) process.exitCode = 1;
  } finally {
    await bench.cleanUp();
  }
}

runBench('scale', main);
