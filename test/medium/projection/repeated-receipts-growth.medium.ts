// One study sent to the same vendor k times, each copy deleted (attested) before the next
// (a nightly sync, or a hostile producer: every event valid), under a breach whose window
// covers them all. One more receipt of the study, or one more attestation, changes one
// holding period. Session 35's survey found the breach impact reading the study's k earlier
// periods with that vendor (every holding row of the pair, in a window) for it: 2,032 rows
// read at k = 1,000, 6,047 at 3,000. Now from the latest receipt backwards, each receipt's
// end one probe; the kept impact stays a whole evaluation's.
import { exampleData } from '@scantrail/contract/testing';
import type { EventDataMap, EventType } from '@scantrail/contract';
import { LineageProjection } from '@scantrail/projection';
import { allBreachImpact, type RecordedEntry } from '@scantrail/storage';
import {
  medianOfFiveBatches,
  projectCounted,
  type ProjectedCost,
} from '../../support/projected-cost';
import { connectedClient, createTestDatabase, type TestDatabase } from '../../support/test-env';
import { recordedEntry } from '../../support/recorded-entry';

const STUDY = '2.25.3509.1';
const PATIENT = { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'pv_repeated_receipts' };
/** Receipts from here, one an hour, each deleted half an hour later. */
const FIRST_MS = Date.UTC(2023, 0, 1);
const HOUR = 3_600_000;

let sequence = 0;
function entry<T extends EventType>(type: T, data: EventDataMap[T], time: string): RecordedEntry {
  sequence += 1;
  return recordedEntry(sequence, type, data, time);
}
const at = (ms: number): string => new Date(ms).toISOString();
const received = (ms: number): RecordedEntry =>
  entry(
    'org.scantrail.disclosure.recorded',
    {
      ...exampleData('org.scantrail.disclosure.recorded'),
      disclosureId: `dsc-${sequence}`,
      target: { studyInstanceUid: STUDY },
    },
    at(ms),
  );
const attested = (ms: number): RecordedEntry =>
  entry(
    'org.scantrail.deletion.attested',
    { ...exampleData('org.scantrail.deletion.attested'), target: { studyInstanceUid: STUDY } },
    at(ms),
  );

const TABLES = [
  'rm_vendor_holdings',
  'rm_vendor_receipts',
  'rm_breach_affected',
  'rm_breach_counts',
  'rm_breaches',
  'rm_accounting_rows',
  'rm_deletion_obligations',
];

describe('one more receipt or deletion of a study a vendor received and deleted thousands of times, under a breach (medium)', () => {
  let db: TestDatabase;
  const projection = new LineageProjection();

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  const project = (entries: RecordedEntry[]): Promise<ProjectedCost> =>
    projectCounted(db.dataSource, projection, TABLES, entries);
  const analyzed = async (): Promise<void> => {
    const owner = await connectedClient(db.ownerUrl);
    try {
      await owner.query(`ANALYZE ${TABLES.join(', ')}`);
    } finally {
      await owner.end();
    }
  };
  const whole = async (): Promise<void> => {
    const query = `SELECT * FROM rm_breach_affected ORDER BY breach_id, study_uid`;
    const counts = `SELECT * FROM rm_breach_counts ORDER BY breach_id`;
    const kept = [await db.dataSource.query(query), await db.dataSource.query(counts)];
    await db.dataSource
      .transaction(async (m) => {
        await m.query('DELETE FROM rm_breach_affected');
        await m.query('DELETE FROM rm_breach_counts');
        await allBreachImpact(m);
        expect([await m.query(query), await m.query(counts)]).toEqual(kept);
        throw new Error('rolled back');
      })
      .catch((error: Error) => {
        if (error.message !== 'rolled back') throw error;
      });
  };

  it('should read about what one more holding period changes', async () => {
    const { affectedTargets: _all, ...breach } = exampleData('org.scantrail.breach.reported');
    await project([
      entry(
        'org.scantrail.study.registered',
        {
          ...exampleData('org.scantrail.study.registered'),
          studyInstanceUid: STUDY,
          patient: PATIENT,
        },
        '2022-12-01T00:00:00Z',
      ),
      entry(
        'org.scantrail.breach.reported',
        {
          ...breach,
          exposureFrom: '2022-12-01',
          exposureTo: '2026-01-01',
          discoveredAt: '2026-01-02',
        },
        '2026-01-02T00:00:00Z',
      ),
    ]);
    const measured: [number, { receipt: ProjectedCost; attestation: ProjectedCost }][] = [];
    let grown = 0;
    let late = FIRST_MS + 5000 * HOUR;
    for (const k of [100, 1000, 3000]) {
      for (let n = grown; n < k; n += 500) {
        const batch: RecordedEntry[] = [];
        for (let i = n; i < Math.min(k, n + 500); i += 1) {
          batch.push(received(FIRST_MS + i * HOUR), attested(FIRST_MS + i * HOUR + HOUR / 2));
        }
        await project(batch);
      }
      grown = k;
      await analyzed();
      // After every earlier period, inside the window: a new period, then its end.
      const receipt = await medianOfFiveBatches(() => {
        late += HOUR;
        return project([received(late)]);
      });
      const attestation = await medianOfFiveBatches(() => {
        late += HOUR;
        return project([received(late), attested(late + HOUR / 2)]);
      });
      measured.push([k, { receipt, attestation }]);
      await whole();
    }
    for (const kind of ['receipt', 'attestation'] as const) {
      console.log(
        `one more ${kind}: ${measured
          .map(
            ([k, p]) =>
              `k=${k} ${p[kind].ms.toFixed(1)} ms (${p[kind].read} read, ${p[kind].written} written)`,
          )
          .join('; ')}`,
      );
    }
    for (const [, p] of measured) {
      // The new rows, one breach, the latest receipt and its end: the same at every k.
      expect(p.receipt.read).toBeLessThanOrEqual(30);
      expect(p.attestation.read).toBeLessThanOrEqual(30);
    }
  }, 600000);
});
