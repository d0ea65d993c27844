// One patient's k studies held by a vendor that reported a breach over them, and the same
// vendor's k earlier breaches (a long-running vendor, or a hostile producer: every event
// valid). One more study of the patient disclosed to the vendor in the exposure window adds
// one affected study; one disclosed after every window affects none and asks no breach. The
// kept impact must equal computing every breach whole.
import { exampleData } from '@scantrail/contract/testing';
import type { EventDataMap, EventType } from '@scantrail/contract';
import { LineageProjection } from '@scantrail/projection';
import { allBreachImpact, type RecordedEntry } from '@scantrail/storage';
import {
  medianOfFiveBatches,
  projectCounted,
  type ProjectedCost,
} from '../../support/projected-cost';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';
import { recordedEntry } from '../../support/recorded-entry';

const PATIENT = { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'pv_breach_growth' };
const IN_WINDOW = '2024-05-01T12:00:00Z';
const AFTER_EVERY_WINDOW = '2024-07-01T00:00:00Z';

let sequence = 0;
function entry<T extends EventType>(type: T, data: EventDataMap[T], time: string): RecordedEntry {
  sequence += 1;
  return recordedEntry(sequence, type, data, time);
}

const study = (n: number | string): string => `2.25.3405.${n}`;
const registered = (n: number | string): RecordedEntry =>
  entry(
    'org.scantrail.study.registered',
    {
      ...exampleData('org.scantrail.study.registered'),
      studyInstanceUid: study(n),
      patient: PATIENT,
    },
    '2024-01-01T00:00:00Z',
  );
const disclosed = (n: number | string, time: string): RecordedEntry =>
  entry(
    'org.scantrail.disclosure.recorded',
    {
      ...exampleData('org.scantrail.disclosure.recorded'),
      disclosureId: `dsc-${n}-${time}`,
      target: { studyInstanceUid: study(n) },
    },
    time,
  );
/** The breach over the studies (exposure April to 9 May), and k earlier ones of 2023. */
const breach = (id: string, from = '2024-04-01T00:00:00Z', to = '2024-05-09'): RecordedEntry => {
  // Without affected targets: every study the vendor held in the window.
  const { affectedTargets: _all, ...data } = exampleData('org.scantrail.breach.reported');
  return entry(
    'org.scantrail.breach.reported',
    { ...data, breachId: id, exposureFrom: from, exposureTo: to },
    '2024-05-10T00:00:00Z',
  );
};

describe("one more study of a patient held by a vendor with a breach over thousands of the patient's studies (medium)", () => {
  let db: TestDatabase;
  const projection = new LineageProjection();

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  const project = (entries: RecordedEntry[]): Promise<ProjectedCost> =>
    projectCounted(db.dataSource, projection, ['rm_breach_affected', 'rm_breach_counts'], entries);
  const five = (make: (i: number) => RecordedEntry[]): Promise<ProjectedCost> =>
    medianOfFiveBatches((i) => project(make(i)));

  const kept = (): Promise<unknown[][]> =>
    Promise.all([
      db.dataSource.query<unknown[]>(
        `SELECT breach_id, study_uid, received_at, patient, deidentified
           FROM rm_breach_affected ORDER BY breach_id, study_uid`,
      ),
      db.dataSource.query<unknown[]>(
        `SELECT breach_id, breach_sequence, studies, patients, to_notify, deidentified
           FROM rm_breach_counts ORDER BY breach_id`,
      ),
    ]);
  const expectWholeImpact = async (): Promise<void> => {
    const incremental = await kept();
    await db.dataSource
      .transaction(async (m) => {
        await m.query('DELETE FROM rm_breach_affected');
        await m.query('DELETE FROM rm_breach_counts');
        await allBreachImpact(m);
        expect(
          await Promise.all([
            m.query(
              `SELECT breach_id, study_uid, received_at, patient, deidentified
                 FROM rm_breach_affected ORDER BY breach_id, study_uid`,
            ),
            m.query(
              `SELECT breach_id, breach_sequence, studies, patients, to_notify, deidentified
                 FROM rm_breach_counts ORDER BY breach_id`,
            ),
          ]),
        ).toEqual(incremental);
        throw new Error('rolled back');
      })
      .catch((error: Error) => {
        if (error.message !== 'rolled back') throw error;
      });
  };

  it('should read and write about what one more held study changes, whatever the studies and breaches before it', async () => {
    const measured: [number, { inWindow: ProjectedCost; after: ProjectedCost }][] = [];
    let grown = 0;
    await project([breach('brc-now')]);
    for (const k of [100, 1000, 2000]) {
      for (let n = grown; n < k; n += 500) {
        const batch: RecordedEntry[] = [];
        for (let i = n; i < Math.min(k, n + 500); i += 1) {
          batch.push(
            registered(i),
            disclosed(i, IN_WINDOW),
            breach(`brc-2023-${i}`, '2023-01-01T00:00:00Z', '2023-02-01'),
          );
        }
        await project(batch);
      }
      grown = k;
      const inWindow = await five((i) => [
        registered(`more-${k}-${i}`),
        disclosed(`more-${k}-${i}`, IN_WINDOW),
      ]);
      const after = await five((i) => [
        registered(`late-${k}-${i}`),
        disclosed(`late-${k}-${i}`, AFTER_EVERY_WINDOW),
      ]);
      measured.push([k, { inWindow, after }]);
      await expectWholeImpact();
    }
    console.log(
      measured
        .map(
          ([k, { inWindow, after }]) =>
            `k=${k}: one more study in the window ${inWindow.ms.toFixed(1)} ms (${inWindow.read} read, ${inWindow.written} written), after every window ${after.ms.toFixed(1)} ms (${after.read} read, ${after.written} written)`,
        )
        .join('; '),
    );
    for (const [k, { inWindow, after }] of measured) {
      // One affected study and its breach's counts; none after every window.
      expect(inWindow.written).toBeLessThanOrEqual(2);
      expect(after.written).toBe(0);
      // A study received after every exposure window moves no breach: no breach is asked
      // about it (before, each of the vendor's k: k rows read).
      expect(after.read).toBeLessThanOrEqual(10);
      // In the window, the breach over it reads the patient's other affected studies again
      // to count the patient once (about 3k rows): linear, left as is.
      expect(inWindow.read).toBeLessThanOrEqual(3 * k + 50);
    }
  }, 300000);
});
