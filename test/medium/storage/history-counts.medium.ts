// The quarantine and the re-used event ids only grow (their tables refuse UPDATE, DELETE and
// TRUNCATE), and anyone who may produce to the topic adds a row per message: an invalid
// message costs nothing to send. Session 34 answered `quarantine { totalCount }`,
// `duplicateConflicts { totalCount }` and the API's `scantrail_quarantined_messages` gauge
// (read at every Prometheus scrape) by counting the whole table. The promise: the count
// costs the same at 1,000 rows as at 100,000, and stays the table's count.
import {
  DuplicateConflictStore,
  QuarantineStore,
  type DuplicateConflictItem,
  type QuarantineItem,
} from '@scantrail/storage';
import type { EntityManager } from 'typeorm';
import { connectedClient, createTestDatabase, type TestDatabase } from '../../support/test-env';

interface Cost {
  ms: number;
  read: number;
  counted: number;
}

describe('the counts of the quarantine and the re-used event ids as they grow (medium)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  const quarantined = (from: number, to: number): QuarantineItem[] =>
    Array.from({ length: to - from }, (_, i) => ({
      topic: 'imaging.lineage.events',
      partition: (from + i) % 3,
      offset: String(from + i),
      reason: 'invalid_json',
      key: Buffer.from('k'),
      value: Buffer.from(`{not json ${from + i}`),
    }));
  const conflicts = (from: number, to: number): DuplicateConflictItem[] =>
    Array.from({ length: to - from }, (_, i) => ({
      topic: 'imaging.lineage.events',
      partition: 0,
      offset: String(1_000_000 + from + i),
      source: 'urn:test',
      eventId: `evt-${from + i}`,
      eventType: 'org.scantrail.study.registered',
      eventTime: '2024-05-01T00:00:00Z',
      recordedSequence: from + i,
      payloadDigest: '0'.repeat(64),
    }));

  /** One count as the apps' role: its time and the rows of `tables` it read. */
  const countCost = (
    tables: string[],
    count: (m: EntityManager) => Promise<number>,
  ): Promise<Cost> =>
    db.dataSource.transaction(async (m) => {
      const readHere = `
        SELECT COALESCE(sum(seq_tup_read + COALESCE(idx_tup_fetch, 0)), 0)::int AS rows
          FROM pg_stat_xact_user_tables WHERE relname = ANY ($1::text[])`;
      const [{ rows: before }] = await m.query<{ rows: number }[]>(readHere, [tables]);
      const started = process.hrtime.bigint();
      const counted = await count(m);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const [{ rows: after }] = await m.query<{ rows: number }[]>(readHere, [tables]);
      return { ms, read: after - before, counted };
    });

  const median = async (make: () => Promise<Cost>): Promise<Cost> => {
    const runs: Cost[] = [];
    for (let i = 0; i < 5; i += 1) runs.push(await make());
    expect(new Set(runs.map((r) => r.counted)).size).toBe(1);
    return {
      ms: runs.map((r) => r.ms).sort((a, b) => a - b)[2],
      read: Math.max(...runs.map((r) => r.read)),
      counted: runs[0].counted,
    };
  };

  const tableCounts = async (): Promise<[number, number]> => {
    const owner = await connectedClient(db.ownerUrl);
    try {
      // What autovacuum's ANALYZE does sooner or later, and the counts themselves.
      await owner.query('ANALYZE quarantined_messages, ingest_duplicate_conflicts');
      const { rows } = await owner.query<{ q: number; d: number }>(
        `SELECT (SELECT count(*) FROM quarantined_messages)::int AS q,
                (SELECT count(*) FROM ingest_duplicate_conflicts)::int AS d`,
      );
      return [rows[0].q, rows[0].d];
    } finally {
      await owner.end();
    }
  };

  it('should count the quarantine and the re-used ids reading the same few rows at 1,000 as at 100,000', async () => {
    const quarantine = new QuarantineStore();
    const duplicates = new DuplicateConflictStore();
    const measured: [number, { quarantine: Cost; conflicts: Cost }][] = [];
    let grown = 0;
    for (const k of [1000, 10000, 100000]) {
      for (let n = grown; n < k; n += 10000) {
        const to = Math.min(k, n + 10000);
        // Each batch again with its first 100 (a redelivery: kept once).
        await db.dataSource.transaction(async (m) => {
          await quarantine.add(m, quarantined(n, to));
          await quarantine.add(m, quarantined(n, n + 100));
          await duplicates.add(m, conflicts(n, to));
        });
      }
      grown = k;
      const [q, d] = await tableCounts();
      const tables = ['quarantined_messages', 'ingest_duplicate_conflicts', 'history_counts'];
      const costs = {
        quarantine: await median(() => countCost(tables, (m) => quarantine.count(m))),
        conflicts: await median(() => countCost(tables, (m) => duplicates.count(m))),
      };
      expect([costs.quarantine.counted, costs.conflicts.counted]).toEqual([q, d]);
      expect(q).toBe(k);
      measured.push([k, costs]);
    }
    for (const kind of ['quarantine', 'conflicts'] as const) {
      console.log(
        `count of the ${kind}: ${measured
          .map(([k, c]) => `k=${k} ${c[kind].ms.toFixed(1)} ms (${c[kind].read} rows read)`)
          .join('; ')}`,
      );
    }
    for (const [, costs] of measured) {
      // One kept count each (before: every row).
      expect(costs.quarantine.read).toBeLessThanOrEqual(2);
      expect(costs.conflicts.read).toBeLessThanOrEqual(2);
    }
  }, 300000);
});
