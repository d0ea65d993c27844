// Two ingest instances on 6 partitions, a stream rich in malformed messages (quarantine rows
// in most batches), messages PostgreSQL refuses (quarantineOne beside other partitions'
// batches) and re-used event ids (conflict rows), while keyset readers poll the quarantine
// and the re-used ids (a helper's attack on migration 1764113000000, session 26). Every event
// recorded once, every bad message quarantined once, one conflict row per re-used copy, no
// lock wait or deadlock logged, no id passed by a reader. Without the migration's triggers
// the readers passed a quarantined message in both of the attack's 18,000-message runs; at
// this file's 3,600 they did not (session 35, triggers dropped: green), so here the readers'
// check is a smoke check of the triggers under real load. What the triggers promise (ids
// visible in their order, whatever order writers commit in) is proven deterministically, two
// sessions interleaved by hand, in test/medium/storage/append-order.medium.ts.
import { createLogger } from '@scantrail/config';
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { createDataSource } from '@scantrail/storage';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { E2eStack, ledgerVerdict } from '../support/e2e-stack';
import { e2eServices, testSettings } from '../support/test-env';
import { startIngest, type RunningIngest } from '../../apps/ingest/src/ingest';

const STUDY = 'org.scantrail.study.registered';
const MARKER = 'refused-by-the-test-constraint';
const PARTITIONS = 6;
const WAVES = 30;
const PER_WAVE = 20;

type Ev = { id: string } & Record<string, unknown>;
const study = (description?: string): Ev =>
  cloudEvent(STUDY, {
    ...exampleData(STUDY),
    ...(description ? { description } : {}),
  }) as unknown as Ev;

describe('the history tables under two ingest instances, quarantines, refusals and re-used ids', () => {
  let stack: E2eStack;
  let second: DataSource;
  const ingests: RunningIngest[] = [];
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    stack = await E2eStack.open(PARTITIONS);
    const owner = new Client({ connectionString: stack.db.ownerUrl });
    await owner.connect();
    await owner.query(
      `ALTER TABLE ledger_entries ADD CONSTRAINT test_refuses CHECK (leaf_data NOT LIKE '%${MARKER}%')`,
    );
    await owner.end();
    second = createDataSource(stack.db.url, { name: 'e2e-second-ingest', poolSize: 5 });
    await second.initialize();
  });

  afterAll(async () => {
    for (const i of ingests) await i.stop().catch(() => undefined);
    if (second?.isInitialized) await second.destroy();
    await stack.close();
  });

  it('should record once, quarantine once, never stall and never let a keyset reader skip', async () => {
    const logger = (name: string) =>
      createLogger(name, 'info', {
        write: (line: string) => void lines.push({ ...(JSON.parse(line) as object), inst: name }),
      });
    const settings = { ...testSettings({ ingestPort: 0 }), kafkaTopic: stack.topic };
    for (const [name, ds] of [
      ['ingest-a', stack.db.dataSource],
      ['ingest-b', second],
    ] as const) {
      ingests.push(
        await startIngest({
          settings,
          dataSource: ds,
          kafkaBrokers: e2eServices().brokers,
          logger: logger(name),
          defaultPartitions: PARTITIONS,
        }),
      );
    }
    // Keyset readers, polling continuously.
    let polling = true;
    const seen: Record<string, number[]> = {
      quarantined_messages: [],
      ingest_duplicate_conflicts: [],
    };
    const readers = Object.keys(seen).map(async (table) => {
      const reader = new Client({ connectionString: stack.db.ownerUrl });
      await reader.connect();
      let cursor = 0;
      while (polling) {
        const { rows } = await reader.query<{ id: string }>(
          `SELECT id FROM ${table} WHERE id > $1 ORDER BY id`,
          [cursor],
        );
        for (const r of rows) {
          seen[table].push(Number(r.id));
          cursor = Number(r.id);
        }
      }
      // one last page
      const { rows } = await reader.query<{ id: string }>(
        `SELECT id FROM ${table} WHERE id > $1 ORDER BY id`,
        [cursor],
      );
      for (const r of rows) seen[table].push(Number(r.id));
      await reader.end();
    });

    // The stream.
    const recordedIds = new Set<string>();
    const expectQuarantined = new Set<string>(); // `${partition}:${offset}`
    const nextOffset = Array<number>(PARTITIONS).fill(0);
    const pool: Ev[] = []; // recordable events to re-use ids from
    let conflictCopies = 0;
    let counter = 0;
    for (let w = 0; w < WAVES; w++) {
      const messages: { partition: number; value: Buffer }[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        for (let i = 0; i < PER_WAVE; i++) {
          const r = (counter++ * 2654435761) % 100;
          let value: Buffer;
          if (r < 30) {
            value = Buffer.from(`{not json ${counter}`);
            expectQuarantined.add(`${p}:${nextOffset[p]}`);
          } else if (r < 34) {
            value = encodeEvent(study(`${MARKER} ${counter}`));
            expectQuarantined.add(`${p}:${nextOffset[p]}`);
          } else if (r < 46 && pool.length > 0) {
            const original = pool[(counter * 7919) % pool.length];
            value = encodeEvent({
              ...original,
              data: { ...(original.data as object), description: `re-used ${counter}` },
            });
            conflictCopies++;
          } else {
            const e = study();
            pool.push(e);
            recordedIds.add(e.id);
            value = encodeEvent(e);
          }
          messages.push({ partition: p, value });
          nextOffset[p]++;
        }
      }
      await stack.produceTo(messages, `history-order-${w}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await stack.consumedThrough(WAVES * PER_WAVE, PARTITIONS, 300_000, 'all partitions consumed');
    polling = false;
    await Promise.all(readers);

    const ds = stack.db.dataSource;
    const ledger = await stack.ledgerEventIds();
    const dupInLedger = ledger.length - new Set(ledger).size;
    const q = await ds.query<{ id: string; partition: number; kafka_offset: string }[]>(
      'SELECT id::text AS id, partition, kafka_offset::text AS kafka_offset FROM quarantined_messages ORDER BY id',
    );
    const qKeys = q.map((r) => `${r.partition}:${r.kafka_offset}`);
    const c = await ds.query<{ id: string }[]>(
      'SELECT id::text AS id FROM ingest_duplicate_conflicts ORDER BY id',
    );
    const skipped: Record<string, number[]> = {};
    const extra: Record<string, number[]> = {};
    const dupes: Record<string, number[]> = {};
    const allIds: Record<string, number[]> = {
      quarantined_messages: q.map((r) => Number(r.id)),
      ingest_duplicate_conflicts: c.map((r) => Number(r.id)),
    };
    for (const table of Object.keys(seen)) {
      const s = new Set(seen[table]);
      skipped[table] = allIds[table].filter((id) => !s.has(id));
      const all = new Set(allIds[table]);
      extra[table] = seen[table].filter((id) => !all.has(id));
      dupes[table] = seen[table].filter((id, i) => seen[table].indexOf(id) !== i);
    }
    const bad = lines.filter(
      (l) =>
        (l.level as number) >= 50 ||
        ((l.level as number) >= 40 &&
          !/^(message quarantined|event id recorded before)/.test(String(l.msg))) ||
        /55P03|40P01|deadlock|lock_timeout|lock timeout/i.test(JSON.stringify(l)),
    );
    expect(dupInLedger).toBe(0);
    expect([...recordedIds].filter((id) => !ledger.includes(id))).toEqual([]);
    expect(qKeys.length - new Set(qKeys).size).toBe(0);
    expect([...expectQuarantined].filter((k) => !qKeys.includes(k))).toEqual([]);
    expect(q.length).toBe(expectQuarantined.size);
    expect(c.length).toBe(conflictCopies);
    expect(skipped).toEqual({ quarantined_messages: [], ingest_duplicate_conflicts: [] });
    expect(extra).toEqual({ quarantined_messages: [], ingest_duplicate_conflicts: [] });
    expect(dupes).toEqual({ quarantined_messages: [], ingest_duplicate_conflicts: [] });
    expect(bad.map((l) => ({ inst: l.inst, level: l.level, msg: l.msg }))).toEqual([]);
    expect(await ledgerVerdict(ds, settings, { storedHashes: true })).toBe('ok');
  }, 600_000);
});
