// Fault injection against the BUILT ingest (dist/, run as child processes configured by
// environment only): kill -9, a PostgreSQL restart, a broker restart and a rebalance, each
// while a deterministic demo stream flows. Whatever happens, every valid event must be in
// the ledger exactly once, every invalid message in the quarantine exactly once, the stored
// offsets must equal the topic's end offsets, and the ledger must verify.
//
// Tests that restart a service start their own (temp dir) so that the shared PostgreSQL and
// Kafka used by other test files in parallel are never disturbed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
// KafkaJS directly, only as an independent observer (end offsets, group members): the
// adapter under test exposes neither, and the check must not go through the code it checks.
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { decodeEventMessage } from '@scantrail/contract';
import { demoEvents, type DemoMessage } from '@scantrail/demo';
import { createKafka, type KafkaClient } from '@scantrail/kafka';
import { startLocalKafka, type LocalKafka } from '@scantrail/local-kafka';
import { createDataSource, migrateAs } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import {
  databaseCheckpoints,
  databaseEntries,
  databaseStoredHashes,
} from '../../apps/cli/src/verify/ledger-sources';
import { describeProblem, verifyLedger } from '../../apps/cli/src/verify/ledger-verifier';
import {
  ingestEnvironment,
  startIngestProcess,
  type IngestEnvironment,
  type IngestProcess,
} from '../support/ingest-process';
import { startPostgresProcess } from '../support/postgres-process';
import { createTestDatabase, createTestTopic, e2eServices, eventually } from '../support/test-env';

/** The demo stream and what it must become: its valid (source, id) pairs and its rejects. */
interface Workload {
  messages: DemoMessage[];
  /** `${source} ${id}` of every valid event, once (duplicates re-send earlier bytes). */
  valid: Set<string>;
  /** Values that must end in the quarantine, one row per message. */
  invalid: Buffer[];
}

function demoWorkload(events: number, seed: number): Workload {
  const messages = [...demoEvents({ events, seed })];
  const valid = new Set<string>();
  const invalid: Buffer[] = [];
  for (const message of messages) {
    const decoded = decodeEventMessage(message.value);
    if (decoded.ok) valid.add(`${decoded.event.source} ${decoded.event.id}`);
    else invalid.push(message.value);
  }
  return { messages, valid, invalid };
}

interface Progress {
  /** Sum of the stored next offsets: messages whose transaction committed. */
  consumed: number;
  recorded: number;
  quarantined: number;
}

const POLL_MS = 20;

/** Polls fast: a kill aimed at a batch in flight has a few milliseconds to hit it. */
const waitFor = <T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> => eventually(check, timeoutMs, what, POLL_MS);

function observer(brokers: readonly string[]): Kafka {
  return new Kafka({
    clientId: 'faults-observer',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  });
}

async function endOffsets(brokers: readonly string[], topic: string): Promise<Map<number, string>> {
  const admin = observer(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, o.high]));
  } finally {
    await admin.disconnect();
  }
}

/** Partitions held by each member of a stable group (empty until the group is stable). */
async function groupAssignments(
  brokers: readonly string[],
  groupId: string,
  topic: string,
): Promise<number[][]> {
  const admin = observer(brokers).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    if (groups[0]?.state !== 'Stable') return [];
    return groups[0].members.map(
      (m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [],
    );
  } finally {
    await admin.disconnect();
  }
}

/** One ingest deployment under test: its database, topic, settings and processes. */
class Scenario {
  private readonly processes: IngestProcess[] = [];
  private started = 0;

  constructor(
    readonly db: DataSource,
    readonly brokers: readonly string[],
    readonly topic: string,
    readonly ingest: IngestEnvironment,
    readonly workload: Workload,
  ) {}

  get groupId(): string {
    return this.ingest.env.KAFKA_GROUP_ID;
  }

  start(): IngestProcess {
    this.started += 1;
    const proc = startIngestProcess({ env: this.ingest.env, label: `ingest #${this.started}` });
    this.processes.push(proc);
    return proc;
  }

  async progress(): Promise<Progress> {
    const rows = await this.db.query<Progress[]>(
      `SELECT (SELECT COALESCE(SUM(next_offset), 0) FROM ingest_offsets
                WHERE group_id = $1 AND topic = $2)::int AS consumed,
              (SELECT count(*) FROM ledger_entries)::int AS recorded,
              (SELECT count(*) FROM quarantined_messages WHERE topic = $2)::int AS quarantined`,
      [this.groupId, this.topic],
    );
    return rows[0];
  }

  /** Messages consumed: the group's committed offsets on the topic, summed. */
  async consumed(): Promise<number> {
    const rows = await this.db.query<{ consumed: number }[]>(
      `SELECT COALESCE(SUM(next_offset), 0)::int AS consumed FROM ingest_offsets
        WHERE group_id = $1 AND topic = $2`,
      [this.groupId, this.topic],
    );
    return rows[0].consumed;
  }

  /**
   * Resolves with the progress once `consumed` reaches `atLeast` messages. Each poll reads
   * the offsets alone (a few rows): counting the ledger and the quarantine every 20 ms, as
   * it did, scanned tables of up to 12,000 rows 50 times a second beside the ingest under test.
   */
  async waitConsumed(atLeast: number, timeoutMs: number): Promise<Progress> {
    await waitFor(
      async () => ((await this.consumed()) >= atLeast ? true : undefined),
      timeoutMs,
      `${atLeast} messages consumed`,
    );
    return this.progress();
  }

  /** Whether an ingest holds a connection to the test database (it is past its start). */
  async ingestConnected(): Promise<boolean> {
    const rows = await this.db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'ingest'`,
    );
    return rows[0].n > 0;
  }

  /** True while an ingest connection to this database is inside a transaction. */
  async ingestInTransaction(): Promise<boolean> {
    const rows = await this.db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'ingest'
          AND xact_start IS NOT NULL`,
    );
    return rows[0].n > 0;
  }

  /**
   * Runs `steps` against the running processes; a failure carries their output (after
   * `context`, when given).
   */
  async watch(steps: () => Promise<void>, context = (): string => ''): Promise<void> {
    try {
      await steps();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${context()}${this.outputs()}`);
    }
  }

  /**
   * Waits until the whole workload is consumed, then stops `proc` with SIGTERM, which must
   * find it running and end it cleanly. A SIGTERM that came while Node was still loading
   * its modules would kill it before it could install its shutdown handler, so it is sent
   * once the process holds its database connection (an instance started last may find the
   * stream already recorded).
   */
  async drainAndStop(proc: IngestProcess): Promise<void> {
    await this.waitConsumed(this.workload.messages.length, 60_000);
    await waitFor(
      async () => ((await this.ingestConnected()) ? true : undefined),
      60_000,
      'the last ingest connected to its database',
    );
    expect(proc.exit()).toBeUndefined();
    expect(await proc.terminate()).toEqual({ code: 0, signal: null });
  }

  /** Output of every process started, for a failure message. */
  outputs(): string {
    return this.processes
      .map(
        (p) => `--- ${p.label} (exit ${JSON.stringify(p.exit() ?? 'running')}) ---\n${p.output()}`,
      )
      .join('\n');
  }

  async killAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill9()));
  }

  /** The whole outcome: exactly-once ledger, complete quarantine, offsets, verification. */
  async expectExactlyOnce(): Promise<void> {
    const { db, workload, topic } = this;
    const rows = await db.query<{ source: string; event_id: string; sequence: string }[]>(
      `SELECT source, event_id, sequence::text AS sequence FROM ledger_entries
        ORDER BY ledger_entries.sequence`,
    );
    const recorded = rows.map((r) => `${r.source} ${r.event_id}`);
    expect(new Set(recorded).size).toBe(recorded.length);
    expect(recorded.filter((k) => !workload.valid.has(k)).slice(0, 5)).toEqual([]);
    const have = new Set(recorded);
    expect([...workload.valid].filter((k) => !have.has(k)).slice(0, 5)).toEqual([]);
    expect(recorded.length).toBe(workload.valid.size);
    expect(rows.at(-1)?.sequence).toBe(String(rows.length - 1)); // no gaps

    const quarantined = await db.query<{ raw_value: Buffer }[]>(
      'SELECT raw_value FROM quarantined_messages WHERE topic = $1',
      [topic],
    );
    const hex = (values: Buffer[]): string[] => values.map((v) => v.toString('hex')).sort();
    expect(quarantined.length).toBe(workload.invalid.length);
    expect(hex(quarantined.map((q) => q.raw_value))).toEqual(hex(workload.invalid));

    const stored = await db.query<{ partition: number; next_offset: string }[]>(
      `SELECT partition, next_offset::text AS next_offset FROM ingest_offsets
        WHERE group_id = $1 AND topic = $2 ORDER BY partition`,
      [this.groupId, topic],
    );
    const ends = await endOffsets(this.brokers, topic);
    expect(new Map(stored.map((s) => [s.partition, s.next_offset]))).toEqual(ends);

    const report = await verifyLedger({
      origin: this.ingest.origin,
      verifierKey: this.ingest.verifierKey,
      entries: databaseEntries(db),
      storedHashes: databaseStoredHashes(db),
      checkpoints: await databaseCheckpoints(db),
    });
    expect(report.ok ? 'ok' : describeProblem(report.problem!)).toBe('ok');
    expect(report.entries).toBe(workload.valid.size);
    // SIGTERM signs a last checkpoint, so one covers the whole log.
    const checkpoints = await databaseCheckpoints(db);
    expect(checkpoints.at(-1)?.treeSize).toBe(workload.valid.size);
  }
}

async function produce(
  kafka: KafkaClient,
  topic: string,
  messages: readonly DemoMessage[],
  options: { chunk?: number; pauseMs?: number } = {},
): Promise<void> {
  const producer = await kafka.producer();
  try {
    const chunk = options.chunk ?? 500;
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send(
        topic,
        messages.slice(i, i + chunk).map((m) => ({ key: m.key, value: m.value })),
      );
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  } finally {
    await producer.disconnect();
  }
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

describe('ingest (built, as child processes) under faults', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  /** The workload's ingest deployment over `db`, killed after the test if still running. */
  function scenarioOver(
    db: { dataSource: DataSource; url: string },
    brokers: readonly string[],
    topic: string,
    name: string,
    dataDir: string,
    workload: Workload,
  ): Scenario {
    const scenario = new Scenario(
      db.dataSource,
      brokers,
      topic,
      ingestEnvironment({
        databaseUrl: db.url,
        brokers: [...brokers],
        topic,
        groupId: `faults-${name}-${Date.now()}`,
        dataDir,
      }),
      workload,
    );
    cleanups.push(() => scenario.killAll());
    return scenario;
  }

  /** A deployment on the shared PostgreSQL and broker: its own database, topic and folder. */
  async function onSharedServices(
    name: string,
    workload: Workload,
  ): Promise<{ scenario: Scenario; kafka: KafkaClient; topic: string }> {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const { kafka, topic } = await createTestTopic(3);
    cleanups.push(() => kafka.disconnect());
    const dataDir = tempDir(`faults-${name}-`);
    cleanups.push(() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
    const scenario = scenarioOver(db, e2eServices().brokers, topic, name, dataDir, workload);
    return { scenario, kafka, topic };
  }

  it('should record every valid event exactly once when ingest is killed -9 three times mid-stream', async () => {
    const workload = demoWorkload(12_000, 101);
    const { scenario, kafka, topic } = await onSharedServices('kill', workload);

    // A backlog, so that each instance is in the middle of batches when it is killed, and
    // the rest of the stream produced at a steady pace for longer than three restarts take
    // (each waits out the killed member's 10 s session): on a quiet machine an instance
    // drains a whole backlog in seconds, and a kill after that would hit nothing.
    const total = workload.messages.length;
    const backlog = Math.floor(total / 4);
    await produce(kafka, topic, workload.messages.slice(0, backlog));
    const flowing = produce(kafka, topic, workload.messages.slice(backlog), {
      chunk: 100,
      pauseMs: 500,
    });
    // Awaited below; a failure before that point must not surface as an unhandled rejection.
    flowing.catch(() => undefined);
    const step = Math.floor(total / 16);
    let proc = scenario.start();
    const killedAt: number[] = [];
    let cutTransactions = 0;
    await scenario.watch(
      async () => {
        for (let kill = 0; kill < 3; kill++) {
          const before = (await scenario.progress()).consumed;
          await scenario.waitConsumed(before + step, 60_000);
          // Aim at a batch in flight: its transaction must vanish without a trace.
          const open = await waitFor(
            async () => ((await scenario.ingestInTransaction()) ? true : undefined),
            5_000,
            'an open ingest transaction',
          ).catch(() => false);
          await proc.kill9();
          if (open) cutTransactions += 1;
          killedAt.push((await scenario.progress()).consumed);
          proc = scenario.start();
        }
        await flowing;
        await scenario.drainAndStop(proc);
      },
      () => `killed at ${killedAt.join(', ')} of ${total}\n`,
    );
    // Every kill hit a stream still flowing, and at least one cut a transaction short.
    expect(killedAt.every((c) => c < total)).toBe(true);
    expect(cutTransactions).toBeGreaterThan(0);
    await scenario.expectExactlyOnce();
  }, 240_000);

  it('should recover by itself, losing and doubling nothing, when PostgreSQL restarts mid-stream', async () => {
    const workload = demoWorkload(8_000, 202);
    const dir = tempDir('faults-pg-');
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    let pg = await startPostgresProcess(dir);
    cleanups.push(() => pg.stop());
    await migrateAs(pg.migrationUrl, pg.url);
    const db = createDataSource(pg.url, { name: 'faults-observer', poolSize: 2 });
    await db.initialize();
    cleanups.push(() => db.destroy());
    const { kafka, topic } = await createTestTopic(3);
    cleanups.push(() => kafka.disconnect());
    const scenario = scenarioOver(
      { dataSource: db, url: pg.url },
      e2eServices().brokers,
      topic,
      'pg',
      dir,
      workload,
    );

    const half = workload.messages.length / 2;
    await produce(kafka, topic, workload.messages.slice(0, half));
    const proc = scenario.start();
    await scenario.watch(async () => {
      await scenario.waitConsumed(half / 4, 60_000);
      await pg.stop();
      // The stream keeps flowing into Kafka while the database is away.
      await produce(kafka, topic, workload.messages.slice(half), { chunk: 250, pauseMs: 50 });
      await sleep(2_000);
      pg = await startPostgresProcess(dir);
      await scenario.drainAndStop(proc);
    });
    await scenario.expectExactlyOnce();
  }, 120_000);

  it('should recover by itself, losing and doubling nothing, when the broker restarts mid-stream', async () => {
    const workload = demoWorkload(8_000, 303);
    const dir = tempDir('faults-kafka-');
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    let broker: LocalKafka = await startLocalKafka({ dataDir: join(dir, 'kafka') });
    cleanups.push(() => broker.stop());
    const brokers = broker.brokers;
    const kafka = createKafka({ brokers, clientId: 'faults-producer', logLevel: 'nothing' });
    cleanups.push(() => kafka.disconnect());
    const topic = `faults-broker-${Date.now()}`;
    await kafka.ensureTopic(topic, 3);
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const scenario = scenarioOver(db, brokers, topic, 'broker', dir, workload);

    const half = workload.messages.length / 2;
    await produce(kafka, topic, workload.messages.slice(0, half));
    const proc = scenario.start();
    await scenario.watch(async () => {
      await scenario.waitConsumed(half / 4, 60_000);
      await broker.stop();
      await sleep(1_000);
      broker = await startLocalKafka({ dataDir: join(dir, 'kafka'), ports: broker.ports });
      await produce(kafka, topic, workload.messages.slice(half), { chunk: 250, pauseMs: 50 });
      await scenario.drainAndStop(proc);
    });
    await scenario.expectExactlyOnce();
  }, 120_000);

  it.each([
    ['stops (SIGTERM)', 'SIGTERM', 404],
    ['is killed (-9)', 'SIGKILL', 505],
  ] as const)(
    'should lose and double nothing when one of two instances %s mid-stream and the group rebalances',
    async (_how, signal, seed) => {
      const workload = demoWorkload(8_000, seed);
      const { scenario, kafka, topic } = await onSharedServices('rebalance', workload);
      const { brokers } = scenario;

      const first = scenario.start();
      const second = scenario.start();
      await scenario.watch(async () => {
        const assignments = await waitFor(
          async () => {
            const members = await groupAssignments(brokers, scenario.groupId, topic);
            return members.length === 2 && members.every((m) => m.length > 0) ? members : undefined;
          },
          60_000,
          'both instances to hold partitions',
        );
        expect(assignments.flat().sort()).toEqual([0, 1, 2]);
        const flowing = produce(kafka, topic, workload.messages, { chunk: 200, pauseMs: 50 });
        const at = await scenario.waitConsumed(workload.messages.length / 3, 60_000);
        if (signal === 'SIGTERM') {
          expect(await first.terminate()).toEqual({ code: 0, signal: null });
        } else {
          expect(await first.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
        }
        await flowing;
        // The survivor holds every partition (after the session timeout, for a killed peer).
        await waitFor(
          async () => {
            const members = await groupAssignments(brokers, scenario.groupId, topic);
            return members.length === 1 && members[0].length === 3 ? true : undefined;
          },
          60_000,
          'the survivor to hold all partitions',
        );
        await scenario.drainAndStop(second);
        expect(at.consumed).toBeLessThan(workload.messages.length);
      });
      await scenario.expectExactlyOnce();
    },
    120_000,
  );
});
