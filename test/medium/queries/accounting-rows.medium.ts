import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Target } from '@scantrail/contract';
import { demoEvents, SeededRandom } from '@scantrail/demo';
import { ALL_ACCOUNTING_ROWS, LedgerLog } from '@scantrail/storage';
import { rebuildReadModels } from '../../../apps/cli/src/commands/rebuild.command';
import { verifyReadModels } from '../../../apps/cli/src/verify/read-model-verifier';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import { RandomWorld } from '../../support/random-world';

/**
 * The accounting read from the rows the projection keeps (rm_accounting_rows, read by
 * libs/queries/src/sql/accounting.sql) against the statement of session 16 that walked
 * every study, dataset and event table of the patient (accounting-session16.sql, the
 * oracle): the same rows, byte for byte, for every patient and an unknown one, over the
 * whole time and a window, after every batch of streams recorded in order and shuffled
 * (registrations, re-registrations to another patient, derivations, re-derivations and
 * cycles, dataset members arriving after the events that carry them).
 */
const SQL = join(__dirname, '../../../libs/queries/src/sql/accounting.sql');
const KEPT = readFileSync(SQL, 'utf8');
const ORACLE = readFileSync(join(__dirname, 'accounting-session16.sql'), 'utf8');
const WINDOWS: [string, string][] = [
  ['1900-01-01T00:00:00Z', '2200-01-01T00:00:00Z'],
  ['2025-01-01T12:00:00Z', '2025-02-15T00:00:00Z'],
];
const VENDORS = ['vnd-a', 'vnd-b', 'vnd-c'];

/** Registrations, derivations, datasets and events of `w`, shuffled, with batch sizes. */
function randomWorld(w: number): { events: object[]; batches: number[] } {
  const world = new RandomWorld(7000 + w, `a${w}`);
  const { prefix, random, int, pick, hour } = world;
  const patients = world.patients(3);
  const register = (uid: string, h: number): void =>
    world.registered(uid, pick(patients), `ACC-${prefix}-${uid}`, hour(h));
  const registered = Array.from({ length: 6 }, (_, i) => `1.3.${w}.1.${i}`);
  const derived = Array.from({ length: 8 }, (_, i) => `2.26.${w}.${i}`);
  for (const uid of registered) {
    register(uid, int(24));
    if (random() < 0.3) register(uid, int(48));
  }
  derived.forEach((uid, i) => {
    const source = random() < 0.5 ? pick(registered) : pick(derived);
    if (source !== uid) world.deidentified(source, uid, [`11310${i % 3}`], hour(int(48)));
    if (random() < 0.25) {
      world.deidentified(
        pick([...registered, ...derived.slice(0, i)]),
        uid,
        ['113100'],
        hour(int(48)),
      );
    }
    if (random() < 0.2) register(uid, int(48));
  });
  const studies = [...registered, ...derived, `9.9.${w}.0`];
  const datasets = ['ds-0', 'ds-1'].map((d) => `${prefix}-${d}`);
  world.datasetsAssembledTwice(datasets, studies, () => hour(int(48)));
  const target = (): Target =>
    random() < 0.6 ? { studyInstanceUid: pick(studies) } : { datasetId: pick(datasets) };
  for (let i = 0; i < 24; i++) {
    const time =
      random() < 0.5
        ? hour(int(48))
        : new Date(Date.UTC(2025, 1 + int(3), 1 + int(27))).toISOString();
    if (random() < 0.6) world.disclosure(i, pick(VENDORS), target(), time);
    else world.transfer(i, pick(VENDORS), pick(VENDORS), target(), time);
  }
  const events = world.shuffled();
  const batches: number[] = [];
  for (let left = events.length; left > 0;) {
    const n = Math.min(left, 1 + int(7));
    batches.push(n);
    left -= n;
  }
  return { events, batches };
}

describe('the accounting read from the rows the projection keeps (medium: PostgreSQL)', () => {
  const databases: TestDatabase[] = [];

  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  const fresh = async (): Promise<TestDatabase> => {
    const db = await createTestDatabase();
    databases.push(db);
    return db;
  };

  /** Every patient's accounting in both windows, by both statements; the rows compared. */
  async function expectSameAnswers(db: TestDatabase): Promise<number> {
    const patients = (
      await db.dataSource.query<{ patient: string }[]>(
        'SELECT DISTINCT patient FROM rm_studies ORDER BY patient',
      )
    ).map((r) => r.patient);
    let rows = 0;
    for (const patient of [...patients, 'no-such-patient']) {
      for (const [from, to] of WINDOWS) {
        const kept = await db.dataSource.query<object[]>(KEPT, [patient, from, to]);
        const oracle = await db.dataSource.query<object[]>(ORACLE, [patient, from, to]);
        expect([patient, from, JSON.stringify(kept)]).toEqual([
          patient,
          from,
          JSON.stringify(oracle),
        ]);
        rows += kept.length;
      }
    }
    return rows;
  }

  /** The kept rows equal what the migration's fill (and a bulk load's) writes from scratch. */
  async function expectFillEqualsKept(db: TestDatabase): Promise<void> {
    const all = 'SELECT row_to_json(t)::text AS r FROM rm_accounting_rows t ORDER BY 1';
    const kept = await db.dataSource.query<{ r: string }[]>(all);
    await db.dataSource.query('DELETE FROM rm_accounting_rows');
    await db.dataSource.query(ALL_ACCOUNTING_ROWS);
    expect(await db.dataSource.query<{ r: string }[]>(all)).toEqual(kept);
  }

  it.each([0, 1, 2, 3, 4, 5])(
    'should give the statement of session 16 its answers after every batch of a shuffled world (world %i)',
    async (w) => {
      const db = await fresh();
      const recorder = new DirectRecorder(db.dataSource, testSettings());
      const world = randomWorld(w);
      let at = 0;
      let rows = 0;
      for (const size of world.batches) {
        const outcome = await recorder.record(world.events.slice(at, at + size));
        at += size;
        expect(outcome.quarantined).toEqual([]);
        rows += await expectSameAnswers(db);
      }
      expect(rows).toBeGreaterThan(0);
      await expectFillEqualsKept(db);
    },
  );

  it.each([
    ['in order', false],
    ['shuffled', true],
  ] as const)(
    'should give the statement of session 16 its answers for every patient of the demo stream %s',
    async (_name, shuffle) => {
      const db = await fresh();
      const recorder = new DirectRecorder(db.dataSource, testSettings());
      // Its valid events only (its invalid ones go to the quarantine).
      const values: object[] = [...demoEvents({ events: 2000, seed: 5 })]
        .filter((m) => m.kind !== 'invalid')
        .map((m) => m.value);
      const random = new SeededRandom(17);
      if (shuffle) {
        for (let i = values.length - 1; i > 0; i--) {
          const j = Math.floor(random.next() * (i + 1));
          [values[i], values[j]] = [values[j], values[i]];
        }
      }
      for (let i = 0, n = 0; i < values.length; n += 1) {
        const size = 1 + ((n * 37) % 97);
        const outcome = await recorder.record(values.slice(i, i + size));
        expect(outcome.quarantined).toEqual([]);
        i += size;
      }
      const [{ derivatives, members }] = await db.dataSource.query<
        { derivatives: number; members: number }[]
      >(
        `SELECT count(*) FILTER (WHERE is_derivative)::int AS derivatives,
                count(dataset_id)::int AS members FROM rm_accounting_rows`,
      );
      expect(derivatives).toBeGreaterThan(0);
      expect(members).toBeGreaterThan(0);
      expect(await expectSameAnswers(db)).toBeGreaterThan(100);
      await expectFillEqualsKept(db);
    },
  );

  it('should find a drifted accounting row with verify --read-models and restore it by rebuild', async () => {
    const db = await fresh();
    const settings = testSettings();
    const recorder = new DirectRecorder(db.dataSource, settings);
    const world = randomWorld(9);
    expect((await recorder.record(world.events)).quarantined).toEqual([]);
    expect((await verifyReadModels(db.dataSource)).differences).toEqual([]);

    const [row] = await db.dataSource.query<
      { patient: string; ledger_sequence: string; study_uid: string }[]
    >(
      `SELECT patient, ledger_sequence::text AS ledger_sequence, study_uid
         FROM rm_accounting_rows ORDER BY patient, ledger_sequence, study_uid LIMIT 1`,
    );
    const key = { ...row, ledger_sequence: Number(row.ledger_sequence) };
    await db.dataSource.query(
      `UPDATE rm_accounting_rows SET purpose = 'TREATMENT'
        WHERE patient = $1 AND ledger_sequence = $2 AND study_uid = $3`,
      [row.patient, row.ledger_sequence, row.study_uid],
    );
    expect((await verifyReadModels(db.dataSource)).differences).toEqual([
      { table: 'rm_accounting_rows', kind: 'changed', key, columns: ['purpose'] },
    ]);
    await db.dataSource.query('DELETE FROM rm_accounting_rows WHERE patient = $1', [row.patient]);
    const missing = (await verifyReadModels(db.dataSource)).differences;
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.every((d) => d.table === 'rm_accounting_rows' && d.kind === 'missing')).toBe(
      true,
    );

    await rebuildReadModels(db.database, new LedgerLog(settings.ledgerOrigin));
    expect((await verifyReadModels(db.dataSource)).differences).toEqual([]);
    expect(await expectSameAnswers(db)).toBeGreaterThan(0);
  });
});
