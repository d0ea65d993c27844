// Hostile derivation streams against the derivative's kept label (rm_derivations.label_uid,
// session 16): cycles, chains deeper than trace's 64-step walk, derivations naming studies
// nobody registered, and every arrival order in batches of any size. The promise: the label
// equals what `cli rebuild` writes (the same entries replayed in ledger order) and what the
// 64-step walk trace used to make gives, whatever the order and batching; and no batch
// takes the projection unboundedly long (the partition never stalls).
import { exampleData } from '@scantrail/contract/testing';
import type { EventDataMap, EventType } from '@scantrail/contract';
import { LineageProjection } from '@scantrail/projection';
import {
  ALL_RESOLVED_STUDIES,
  ALL_STUDY_LABELS,
  KEEP_STUDY_LABELS,
  READ_MODEL_TABLES,
  type RecordedEntry,
} from '@scantrail/storage';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';
import { recordedEntry } from '../../support/recorded-entry';

const entry = <T extends EventType>(
  sequence: number,
  type: T,
  data: EventDataMap[T],
): RecordedEntry => recordedEntry(sequence, type, data);

type Event = { kind: 'registered'; uid: string } | { kind: 'derived'; uid: string; from: string };

const registered = (uid: string): Event => ({ kind: 'registered', uid });
const derived = (uid: string, from: string): Event => ({ kind: 'derived', uid, from });

function toEntry(e: Event, sequence: number): RecordedEntry {
  return e.kind === 'registered'
    ? entry(sequence, 'org.scantrail.study.registered', {
        ...exampleData('org.scantrail.study.registered'),
        studyInstanceUid: e.uid,
        // Each registration its own patient: which one a derivative resolves to shows.
        patient: { system: 'urn:oid:2.16.840.1.113883.3.7', value: `MRN-${e.uid}` },
      })
    : entry(sequence, 'org.scantrail.study.deidentified', {
        ...exampleData('org.scantrail.study.deidentified'),
        derivedStudyInstanceUid: e.uid,
        sourceStudyInstanceUid: e.from,
      });
}

/** The label trace's 64-step walk gave: the registered study furthest up, itself included. */
function walkedLabels(events: Event[]): Record<string, string | null> {
  const source = new Map<string, string>();
  const isRegistered = new Set<string>();
  for (const e of events) {
    if (e.kind === 'derived') source.set(e.uid, e.from);
    else isRegistered.add(e.uid);
  }
  const labels: Record<string, string | null> = {};
  for (const uid of source.keys()) {
    let label: string | null = null;
    let at: string | undefined = uid;
    for (let depth = 0; at !== undefined && depth <= 64; depth += 1) {
      if (isRegistered.has(at)) label = at;
      at = source.get(at);
    }
    labels[uid] = label;
  }
  return labels;
}

/** Deterministic shuffles and batch sizes (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('hostile derivation streams and the kept label (medium)', () => {
  let db: TestDatabase;
  const projection = new LineageProjection();

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  const clear = async (): Promise<void> => {
    for (const table of READ_MODEL_TABLES) await db.dataSource.query(`DELETE FROM ${table}`);
  };
  const project = (entries: RecordedEntry[]): Promise<void> =>
    db.dataSource.transaction((m) => projection.project(m, entries));
  const resolvedStudies = (): Promise<unknown[]> =>
    db.dataSource.query(
      'SELECT study_uid, original_uid, patient, deidentified FROM rm_resolved_studies ORDER BY study_uid',
    );
  const labels = async (): Promise<Record<string, string | null>> =>
    Object.fromEntries(
      (
        await db.dataSource.query<{ derived_uid: string; label_uid: string | null }[]>(
          'SELECT derived_uid, label_uid FROM rm_derivations ORDER BY derived_uid',
        )
      ).map((r) => [r.derived_uid, r.label_uid]),
    );

  // A 100-deep chain registered at its top and at 40 and 90 (so the 64-step bound decides
  // which is the label), a 3-cycle with one member registered, a 2-cycle with none,
  // derivatives of studies nobody registered or derived, a fan-out of 40 below the chain's
  // end, and a derivative re-derived from another source later in the stream.
  const chain = Array.from({ length: 100 }, (_, i) => `2.25.38.1.${i}`);
  const events: Event[] = [
    registered(chain[0]),
    registered(chain[40]),
    registered(chain[90]),
    ...chain.slice(1).map((uid, i) => derived(uid, chain[i])),
    derived('2.25.38.2.1', '2.25.38.2.3'),
    derived('2.25.38.2.2', '2.25.38.2.1'),
    derived('2.25.38.2.3', '2.25.38.2.2'),
    registered('2.25.38.2.2'),
    derived('2.25.38.3.1', '2.25.38.3.2'),
    derived('2.25.38.3.2', '2.25.38.3.1'),
    derived('2.25.38.4.1', '2.25.38.4.unknown'),
    derived('2.25.38.4.2', '2.25.38.4.1'),
    ...Array.from({ length: 40 }, (_, i) => derived(`2.25.38.5.${i}`, chain[99])),
  ];

  it.each([1, 2, 3, 4, 5])(
    'should equal the replay and the 64-step walk when the stream comes shuffled in random batches (seed %i)',
    async (seed) => {
      const rng = random(seed);
      const order = [...events];
      for (let i = order.length - 1; i > 0; i -= 1) {
        const j = Math.floor(rng() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      // The re-derivation comes last in ledger order (latest wins): chain[60] now from 3.1.
      order.push(derived(chain[60], '2.25.38.3.1'));
      const entries = order.map(toEntry);
      await clear();
      for (let at = 0; at < entries.length;) {
        const size = 1 + Math.floor(rng() * 20);
        await project(entries.slice(at, at + size));
        at += size;
      }
      const incremental = await labels();
      expect(incremental).toEqual(walkedLabels(order));
      const resolved = await resolvedStudies();
      // Every study registered or derived has its row.
      expect(resolved).toHaveLength(new Set(order.map((e) => e.uid)).size);
      // What the bulk loader and the migration compute from scratch changes nothing: the
      // labels, and each study's resolved original and patient (the migration's one walk
      // per study is the reference for the projection's walk of each chain once).
      await db.dataSource.query(ALL_STUDY_LABELS);
      expect(await labels()).toEqual(incremental);
      await db.dataSource.query('DELETE FROM rm_resolved_studies');
      await db.dataSource.query(ALL_RESOLVED_STUDIES);
      expect(await resolvedStudies()).toEqual(resolved);
      // `cli rebuild`: the same entries replayed in ledger order, one batch.
      await clear();
      await project(entries);
      expect(await labels()).toEqual(incremental);
      expect(await resolvedStudies()).toEqual(resolved);
    },
  );

  // One message moves every study below it: a registration of a chain's first study moves
  // the resolved original and patient (rm_resolved_studies) and the label of each study of
  // the chain. The statement the projection ran until session 17 walked up from each of them
  // separately to the chain's end, carrying the path walked (for cycles): n(n+1)/2 rows, each
  // with an array as long as its depth (a registration above a 400-deep chain ran 150 s and
  // filled the disk with the walk's temporary files). Now the chain's ancestry is read once
  // (each study at most twice: in scope and as an ancestor) and walked once in the projection.
  // The promise: a message's work grows with the studies it moves, not with their square.
  it('should walk a chain once, not once per study, when one registration moves a 200-deep chain', async () => {
    await clear();
    const n = 200;
    const uids = Array.from({ length: n }, (_, i) => `2.25.38.6.${i}`);
    await project(uids.slice(1).map((uid, i) => toEntry(derived(uid, uids[i]), i)));
    const [row] = await db.dataSource.query<{ 'QUERY PLAN': PlanNode[] }[]>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${STUDY_ANCESTRY}`,
      [[uids[0]]],
    );
    const walked = cteRows(row['QUERY PLAN'][0].Plan, 'CTE up');
    process.stdout.write(`\nthe ancestry walked ${walked} rows for a chain of ${n}\n`);
    // Linear: each study of the chain at most twice, with some slack.
    expect(walked).toBeLessThanOrEqual(4 * n);
    // And the registration itself: every study of the chain resolves to it and its patient.
    await project([toEntry(registered(uids[0]), n)]);
    const patients = await db.dataSource.query<{ original_uid: string; patient: string }[]>(
      'SELECT DISTINCT original_uid, patient FROM rm_resolved_studies WHERE study_uid = ANY($1)',
      [uids],
    );
    expect(patients).toHaveLength(1);
    expect(patients[0].original_uid).toBe(uids[0]);
    expect(patients[0].patient).not.toBeNull();
  });

  // A batch's label update among many derivations: the recursive scope's estimate (about 200
  // times the uids given) made the planner join it to all of rm_derivations by hashing the
  // table, at every batch (95 of 107 ms a batch into the bench's ledger of 1M entries,
  // session 38). The promise: a batch reads the derivations it moves by key, whatever the
  // table holds.
  it('should find the derivations a batch moves by key, not by reading every derivation, when rm_derivations holds 40,000', async () => {
    await clear();
    const n = 40_000;
    await db.dataSource.query(
      `INSERT INTO rm_derivations (derived_uid, source_uid, method_codes, tool_name, tool_version,
                                   event_id, occurred_at, event_time, ledger_sequence)
       SELECT '2.25.38.7.' || i, '2.25.38.8.' || (i % 5000), '{113100}', 'tool', '1',
              'evt-' || i, now(), now(), i
         FROM generate_series(1, $1::int) AS i`,
      [n],
    );
    await db.dataSource.query('ANALYZE rm_derivations');
    // A batch's worth: derivatives the table holds, and their sources (whose derivatives
    // the scope then walks down to).
    const batch = [
      ...Array.from({ length: 1000 }, (_, i) => `2.25.38.7.${1 + i * 37}`),
      ...Array.from({ length: 400 }, (_, i) => `2.25.38.8.${i}`),
    ];
    const [row] = await db.dataSource.query<{ 'QUERY PLAN': PlanNode[] }[]>(
      `EXPLAIN (FORMAT JSON) ${KEEP_STUDY_LABELS}`,
      [batch],
    );
    // Index, index-only or bitmap scans, and the update itself (ModifyTable); the statement
    // as it was hashed a Seq Scan of the table.
    const scans = relationScans(row['QUERY PLAN'][0].Plan, 'rm_derivations');
    expect(scans).toContain('ModifyTable');
    expect(scans).not.toContain('Seq Scan');
    await clear();
  });
});

/** The projection's ancestry statement (read-only: EXPLAIN ANALYZE may run it). */
const STUDY_ANCESTRY = readFileSync(
  join(__dirname, '../../../libs/projection/src/sql/study-ancestry.sql'),
  'utf8',
);

interface PlanNode {
  Plan: PlanTree;
}
interface PlanTree {
  'Node Type'?: string;
  'Relation Name'?: string;
  'Subplan Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanTree[];
}

/** Every node of the plan, `node` first. */
function planNodes(node: PlanTree): PlanTree[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** The rows a CTE's subplan produced (EXPLAIN ANALYZE), 0 when it is not in the plan. */
function cteRows(node: PlanTree, name: string): number {
  return planNodes(node)
    .filter((n) => n['Subplan Name'] === name)
    .reduce((sum, n) => sum + (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
}

/** The node type of every scan of `relation` in the plan (Seq Scan, Index Scan, ...). */
function relationScans(node: PlanTree, relation: string): string[] {
  return planNodes(node)
    .filter((n) => n['Relation Name'] === relation)
    .map((n) => n['Node Type'] ?? '');
}
