import { Viewer } from '@scantrail/access';
import type { Target } from '@scantrail/contract';
import { FindingsReadService, VendorReadService } from '@scantrail/queries';
import {
  ALL_FINDINGS_COUNTS,
  ALL_FINDINGS_MONTHS,
  ALL_VENDOR_STATISTICS,
} from '@scantrail/storage';
import {
  FindingCountsService,
  monthsBefore,
} from '../../../apps/api/src/dashboard/finding-counts.service';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import { RandomWorld } from '../../support/random-world';

/**
 * The vendor statistics the projection keeps (rm_vendor_stats, from rm_vendor_patients and
 * rm_chain_patients) against the recursive query the API ran before (every receipt walked
 * up its derivation chain, the registered studies' patients counted), and the findings
 * counts the findings worker keeps (rm_findings_counts) against counting rm_findings, after
 * every batch of random worlds recorded out of order: derivations and registrations after
 * the receipts they change, re-derivations and re-registrations (the latest wins, earlier
 * ones may arrive last), chains of copies, copies registered themselves, sources never
 * registered, cycles, datasets receiving members late.
 */
const officer = new Viewer('officer', ['privacy_officer']);
const VENDORS = ['vnd-a', 'vnd-b', 'vnd-c'];
/** Named, never received anything: its statistics are zero. */
const SILENT_VENDOR = 'vnd-silent';
const WORLDS = 6;

/** The query vendor-stats.sql was before the projection kept the statistics: the oracle. */
const RECURSIVE_VENDOR_STATS = `
WITH RECURSIVE received(vendor_id, study_uid) AS (
  SELECT r.vendor_id, r.study_uid FROM rm_vendor_receipts r WHERE r.vendor_id = ANY($1::text[])
),
chain(vendor_id, study_uid, ancestor, depth) AS (
  SELECT r.vendor_id, r.study_uid, r.study_uid, 0 FROM received r
  UNION ALL
  SELECT c.vendor_id, c.study_uid, d.source_uid, c.depth + 1
    FROM chain c JOIN rm_derivations d ON d.derived_uid = c.ancestor
   WHERE c.depth < 64
)
SELECT c.vendor_id,
       count(DISTINCT c.study_uid)::int AS studies_received,
       count(DISTINCT s.patient)::int AS patients_affected
  FROM chain c
  LEFT JOIN rm_studies s ON s.study_uid = c.ancestor
 GROUP BY c.vendor_id`;

interface World {
  events: object[];
  /** Batch sizes, in recording order. */
  batches: number[];
}

function randomWorld(w: number): World {
  const world = new RandomWorld(2000 + w, `w${w}`);
  const { prefix, random, int, pick, hour } = world;
  const patients = world.patients(4);
  const register = (uid: string, h: number): void =>
    world.registered(uid, pick(patients), `ACC-${prefix}-${uid}`, hour(h));
  const registered = Array.from({ length: 8 }, (_, i) => `1.2.${w}.1.${i}`);
  const derived = Array.from({ length: 10 }, (_, i) => `2.25.${w}.${i}`);
  const neverRegistered = [`9.9.${w}.0`, `9.9.${w}.1`];
  for (const uid of registered) {
    register(uid, int(24));
    // Registered again with another (or the same) patient: the later one wins.
    if (random() < 0.3) register(uid, int(48));
  }
  const derive = (uid: string, source: string): void =>
    world.deidentified(source, uid, ['113100'], hour(int(48)));
  derived.forEach((uid, i) => {
    // Copies of registered studies, of earlier copies (chains), of later copies (cycles
    // become possible) and of studies never registered.
    const roll = random();
    const source =
      roll < 0.4
        ? pick(registered)
        : roll < 0.7
          ? pick(derived.slice(0, Math.max(1, i)))
          : roll < 0.85
            ? pick(derived)
            : pick(neverRegistered);
    if (source !== uid) derive(uid, source);
    // Derived again from another source: the later derivation wins.
    if (random() < 0.25) derive(uid, pick([...registered, ...derived.slice(0, i)]));
    // A copy registered itself (its chain then has two registered studies).
    if (random() < 0.2) register(uid, int(48));
  });
  const studies = [...registered, ...derived, ...neverRegistered];
  const datasets = ['ds-0', 'ds-1'].map((d) => `${prefix}-${d}`);
  world.datasetsAssembledTwice(datasets, studies, () => hour(int(48)));
  const target = (): Target =>
    random() < 0.7 ? { studyInstanceUid: pick(studies) } : { datasetId: pick(datasets) };
  for (let i = 0; i < 30; i++) {
    // Some in later months, so the findings fall into several months.
    const time =
      random() < 0.5
        ? hour(int(48))
        : new Date(Date.UTC(2025, 1 + int(3), 1 + int(27))).toISOString();
    if (random() < 0.65) {
      world.disclosure(i, pick(VENDORS), target(), time);
    } else {
      world.transfer(i, pick(VENDORS), pick(VENDORS), target(), time);
    }
  }
  // Out of order: late registrations and derivations reach the projection after the
  // receipts they change.
  const events = world.shuffled();
  const batches: number[] = [];
  for (let left = events.length; left > 0;) {
    const n = Math.min(left, 1 + int(9));
    batches.push(n);
    left -= n;
  }
  return { events, batches };
}

describe('vendor statistics and findings counts kept by the projection (medium: PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  const recursiveStats = async (): Promise<Record<string, [number, number]>> => {
    const counted = await db.dataSource.query<
      { vendor_id: string; studies_received: number; patients_affected: number }[]
    >(RECURSIVE_VENDOR_STATS, [[...VENDORS, SILENT_VENDOR]]);
    const expected: Record<string, [number, number]> = {};
    for (const v of [...VENDORS, SILENT_VENDOR]) expected[v] = [0, 0];
    for (const c of counted) expected[c.vendor_id] = [c.studies_received, c.patients_affected];
    return expected;
  };

  const keptStats = async (): Promise<Record<string, [number, number]>> => {
    const stats = await new VendorReadService(db.dataSource).stats(officer, [
      ...VENDORS,
      SILENT_VENDOR,
    ]);
    return Object.fromEntries(
      [...stats].map(([v, s]) => [v, [s.studiesReceived, s.patientsAffected]]),
    );
  };

  const countFindings = async (code: string | null, vendor: string | null): Promise<number> => {
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM rm_findings
        WHERE ($1::text IS NULL OR code = $1) AND ($2::text IS NULL OR vendor_id = $2)`,
      [code, vendor],
    );
    return n;
  };

  const totalCount = async (code: string | null, vendorId: string | null): Promise<number> => {
    const page = await new FindingsReadService(db.dataSource).page(
      officer,
      { code, vendorId, studyInstanceUid: null },
      { first: 1 },
    );
    return page.totalCount;
  };

  const codesSeen = new Set<string>();
  let patientsSeen = 0;
  let countsMoved = 0;

  it.each(Array.from({ length: WORLDS }, (_, w) => w))(
    'should count what the recursive query and counting the findings give, after every batch (world %i)',
    async (w) => {
      // The worlds share the vendors, so their counts add up across worlds: the oracle
      // reads the same tables. A partition per world keeps the offsets apart.
      const recorder = new DirectRecorder(db.dataSource, testSettings(), w);
      const world = randomWorld(w);
      let at = 0;
      let before = await keptStats();
      for (const size of world.batches) {
        const outcome = await recorder.record(world.events.slice(at, at + size));
        at += size;
        expect(outcome.quarantined).toEqual([]);
        const kept = await keptStats();
        expect(kept).toEqual(await recursiveStats());
        if (JSON.stringify(kept) !== JSON.stringify(before)) countsMoved += 1;
        before = kept;

        const codes = await db.dataSource.query<{ code: string }[]>(
          'SELECT DISTINCT code FROM rm_findings ORDER BY code',
        );
        for (const { code } of codes) codesSeen.add(code);
        for (const code of [null, ...codes.map((c) => c.code)]) {
          for (const vendor of [null, ...VENDORS]) {
            expect(await totalCount(code, vendor)).toBe(await countFindings(code, vendor));
          }
        }
        const [{ vendorTotals }] = await db.dataSource.query<{ vendorTotals: unknown }[]>(
          `SELECT coalesce(jsonb_object_agg(vendor_id, n), '{}') AS "vendorTotals"
             FROM (SELECT vendor_id, count(*)::int AS n FROM rm_findings GROUP BY vendor_id) x`,
        );
        const pages = await new FindingsReadService(db.dataSource).pagesOfVendors(
          officer,
          VENDORS,
          { first: 1 },
        );
        const findingCounts = new FindingCountsService(db.dataSource);
        for (const vendorId of [null, ...VENDORS]) {
          for (const code of [null, ...codes.map((c) => c.code)]) {
            expect(await findingCounts.byMonth(officer, { vendorId, code })).toEqual(
              await db.dataSource.query(
                `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, code,
                        count(*)::int AS count
                   FROM rm_findings
                  WHERE ($1::text IS NULL OR vendor_id = $1) AND ($2::text IS NULL OR code = $2)
                  GROUP BY month, code ORDER BY month, code COLLATE "C"`,
                [vendorId, code],
              ),
            );
          }
        }
        for (const vendorId of [null, ...VENDORS]) {
          const every = await findingCounts.byMonth(officer, { vendorId });
          const latest = every.at(-1)?.month ?? '';
          for (const lastMonths of [1, 2, 3]) {
            // The latest months alone: the same rows as over every month, from the bound on.
            const from = monthsBefore(latest, lastMonths - 1);
            expect(await findingCounts.byMonth(officer, { vendorId, lastMonths })).toEqual(
              every.filter((r) => r.month >= from),
            );
          }
          expect(await findingCounts.byCode(officer, { vendorId })).toEqual(
            await db.dataSource.query(
              `SELECT code, count(*)::int AS count FROM rm_findings
                WHERE ($1::text IS NULL OR vendor_id = $1)
                GROUP BY code ORDER BY code COLLATE "C"`,
              [vendorId],
            ),
          );
        }
        const byVendor = await findingCounts.byVendor(officer, VENDORS);
        expect(byVendor).toEqual(
          await db.dataSource.query(
            `SELECT vendor_id AS "vendorId", code, count(*)::int AS count FROM rm_findings
              WHERE vendor_id = ANY($1::text[])
              GROUP BY vendor_id, code ORDER BY vendor_id COLLATE "C", code COLLATE "C"`,
            [VENDORS],
          ),
        );
        for (const v of VENDORS) {
          expect(await pages.get(v)!.totalCount).toBe(
            (vendorTotals as Record<string, number>)[v] ?? 0,
          );
        }
      }
      const final = await keptStats();
      patientsSeen += VENDORS.reduce((sum, v) => sum + final[v][1], 0);
    },
  );

  it('should have counted something that moved (the worlds are not trivial)', () => {
    expect(patientsSeen).toBeGreaterThan(0);
    expect(codesSeen.size).toBeGreaterThan(0);
    expect(countsMoved).toBeGreaterThan(WORLDS * 3);
  });

  it('should have findings in several months (the chart has more than one bar)', async () => {
    const [{ months }] = await db.dataSource.query<{ months: number }[]>(
      'SELECT count(DISTINCT month)::int AS months FROM rm_findings_months',
    );
    expect(months).toBeGreaterThan(1);
  });

  it('should hold what the whole-ledger backfills compute after batches out of order', async () => {
    const tables = [
      ['rm_chain_patients', 'study_uid, patient'],
      ['rm_vendor_patients', 'vendor_id, patient'],
      ['rm_vendor_stats', 'vendor_id'],
      ['rm_findings_counts', 'code, vendor_id'],
      ['rm_findings_months', 'month, code, vendor_id'],
    ] as const;
    const dump = async (): Promise<unknown[][]> =>
      Promise.all(
        tables.map(([table, order]) =>
          db.dataSource.query<unknown[]>(`SELECT * FROM ${table} ORDER BY ${order}`),
        ),
      );
    const projected = await dump();
    for (const rows of projected) expect(rows.length).toBeGreaterThan(0);
    for (const [table] of tables) await db.dataSource.query(`DELETE FROM ${table}`);
    for (const statement of ALL_VENDOR_STATISTICS) await db.dataSource.query(statement);
    await db.dataSource.query(ALL_FINDINGS_COUNTS);
    await db.dataSource.query(ALL_FINDINGS_MONTHS);
    expect(await dump()).toEqual(projected);
  });
});
