// The Orthanc bridge keeps every successful send it could not record, for good
// (bridge_unrecorded_sends: its role may add rows, never remove them), and the privacy
// officer's bridgeState answers how many there are. Session 34 counted the whole table on
// every call: a bridge beside a DICOMweb-only Orthanc adds one row per STOW, so each look
// at the PACS page read every send ever made. The promise: the answer costs the same at
// 1,000 sends as at 100,000, and stays the table's count, whatever the bridge re-applies.
import { Viewer } from '@scantrail/access';
import { createDataSource } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import {
  BridgeStateStore,
  type UnrecordedSend,
} from '../../../apps/bridge/src/state/bridge-state.store';
import { BridgeStateQueryService } from '../../../apps/api/src/bridge/bridge-state-query.service';
import { connectedClient, createTestDatabase, type TestDatabase } from '../../support/test-env';

const officer = new Viewer('officer', ['privacy_officer']);

interface Cost {
  ms: number;
  read: number;
  counted: number;
}

describe("the count of the bridge's unrecorded sends as they grow (medium)", () => {
  let db: TestDatabase;
  let bridge: DataSource;
  let api: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    bridge = await createDataSource(db.bridgeUrl, { name: 'bridge' }).initialize();
    api = await createDataSource(db.apiUrl, { name: 'api' }).initialize();
  });

  afterAll(async () => {
    await bridge?.destroy();
    await api?.destroy();
    await db.drop();
  });

  const sends = (from: number, to: number, kind = 'peer'): UnrecordedSend[] =>
    Array.from({ length: to - from }, (_, i) => ({
      jobKey: `job-${from + i}`,
      reason: 'dicomweb_unnamed',
      jobType: 'DicomWebStowClient',
      destinationKind: kind === 'peer' ? 'peer' : 'dicomweb',
      instances: 1 + ((from + i) % 7),
      completedAt: new Date(Date.UTC(2024, 4, 1) + (from + i) * 1000).toISOString(),
    }));

  /** One bridgeState call as the API's role: its time and the rows of both tables it read. */
  const stateCost = (): Promise<Cost> =>
    api.transaction(async (m) => {
      const readHere = `
        SELECT COALESCE(sum(seq_tup_read + COALESCE(idx_tup_fetch, 0)), 0)::int AS rows
          FROM pg_stat_xact_user_tables
         WHERE relname IN ('bridge_unrecorded_sends', 'bridge_unrecorded_counts')`;
      const [{ rows: before }] = await m.query<{ rows: number }[]>(readHere);
      const started = process.hrtime.bigint();
      const state = await new BridgeStateQueryService(m).state(officer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const [{ rows: after }] = await m.query<{ rows: number }[]>(readHere);
      expect(state.unrecorded).toHaveLength(500);
      return { ms, read: after - before, counted: state.unrecordedSends };
    });

  const tableCount = async (): Promise<number> => {
    const owner = await connectedClient(db.ownerUrl);
    try {
      // What autovacuum's ANALYZE does sooner or later, and the count itself.
      await owner.query('ANALYZE bridge_unrecorded_sends');
      const { rows } = await owner.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM bridge_unrecorded_sends',
      );
      return rows[0].n;
    } finally {
      await owner.end();
    }
  };

  it('should answer how many sends went unrecorded reading the same few rows at 1,000 as at 100,000', async () => {
    // Two bridges of two Orthancs, as the bridge's own role; each step re-applies 100 sends
    // of each (a journal replay after a restart: kept once), and the second bridge sends
    // the first one's job keys (keys are per bridge: counted).
    const first = new BridgeStateStore(bridge, 'urn:scantrail:orthanc:a');
    const second = new BridgeStateStore(bridge, 'urn:scantrail:orthanc:b');
    const measured: [number, Cost][] = [];
    let grown = 0;
    for (const k of [1000, 10000, 100000]) {
      for (let n = grown; n < k; n += 10000) {
        const to = Math.min(k, n + 10000);
        const half = n + Math.floor((to - n) / 2);
        const ours = sends(n, half);
        const theirs = sends(half, to, 'dicomweb');
        await first.apply({ unrecorded: ours });
        await second.apply({ unrecorded: theirs });
        await first.apply({ unrecorded: ours.slice(0, 100) });
        await second.apply({ unrecorded: [...theirs.slice(-50), ...sends(0, 50)] });
      }
      grown = k;
      const total = await tableCount();
      const runs: Cost[] = [];
      for (let i = 0; i < 5; i += 1) runs.push(await stateCost());
      const ms = runs.map((r) => r.ms).sort((a, b) => a - b)[2];
      measured.push([
        k,
        { ms, read: Math.max(...runs.map((r) => r.read)), counted: runs[0].counted },
      ]);
      // The first bridge's first 50 job keys, sent by the second too (once each).
      expect(total).toBe(k + 50);
      expect(runs.map((r) => r.counted)).toEqual(Array(5).fill(total));
    }
    console.log(
      `bridgeState with k unrecorded sends: ${measured
        .map(([k, c]) => `k=${k} ${c.ms.toFixed(1)} ms (${c.read} rows read)`)
        .join('; ')}`,
    );
    for (const [, cost] of measured) {
      // The page of the 500 newest, and one kept count per bridge (before: every row again).
      expect(cost.read).toBeLessThanOrEqual(510);
    }
  }, 300000);
});
