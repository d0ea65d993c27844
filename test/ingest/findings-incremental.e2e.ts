import { demoEvents } from '@scantrail/demo';
import { catchUpFindings } from '@scantrail/projection';
import { LedgerLog } from '@scantrail/storage';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { wholeRecompute } from '../support/whole-recompute';

/** A small seeded PRNG, so a failure reproduces. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Row = { event_id: string; study_uid: string; code: string; vendor_id: string; detail: string };
const EVENTS = 3000;

describe('findings kept up to date batch by batch', () => {
  const settings = testSettings();
  const messages = [...demoEvents({ events: EVENTS, seed: 11 })].map((m) => m.value);
  const databases: TestDatabase[] = [];

  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  const findingsRows = (db: TestDatabase): Promise<Row[]> =>
    db.dataSource.query<Row[]>(
      'SELECT event_id, study_uid, code, vendor_id, detail FROM rm_findings ORDER BY event_id, study_uid, code',
    );

  /**
   * Records the messages in random batch sizes; returns the findings table, by event id.
   * `worker`: 'each batch' evaluates after every batch (the worker keeping up); 'racing'
   * runs small findings rounds concurrently with the recording, as the ingest's worker
   * does, and completes them at the end.
   */
  async function ingest(
    values: Buffer[],
    seed: number,
    worker: 'each batch' | 'racing' = 'each batch',
  ): Promise<{ db: TestDatabase; rows: Row[] }> {
    const db = await createTestDatabase();
    databases.push(db);
    const recorder = new DirectRecorder(
      db.dataSource,
      settings,
      0,
      worker === 'each batch' ? 'now' : 'later',
    );
    const random = mulberry32(seed);
    let recording = true;
    let rounds = 0;
    const log = new LedgerLog(settings.ledgerOrigin);
    const racing =
      worker === 'racing'
        ? (async () => {
            while (recording) {
              const round = await db.dataSource.transaction('READ COMMITTED', (m) =>
                catchUpFindings(m, log, 1 + Math.floor(random() * 300)),
              );
              if (round.evaluated > 0) rounds += 1;
              else await new Promise((r) => setTimeout(r, 5));
            }
          })()
        : undefined;
    try {
      for (let i = 0; i < values.length;) {
        const size = 1 + Math.floor(random() * 400);
        await recorder.record(values.slice(i, i + size));
        i += size;
      }
    } finally {
      recording = false;
      await racing;
    }
    if (worker === 'racing') {
      // The rounds really ran alongside the batches (else this test proves nothing new).
      expect(rounds).toBeGreaterThan(3);
      await recorder.completeFindings();
    }
    return { db, rows: await findingsRows(db) };
  }

  it('should equal a from-scratch evaluation of every event when batches are split at random', async () => {
    const { db, rows } = await ingest(messages, 1);
    const scratch = (await wholeRecompute(db.dataSource)).sort((a, b) =>
      a.event_id + a.study_uid + a.code < b.event_id + b.study_uid + b.code ? -1 : 1,
    );
    const sorted = [...rows].sort((a, b) =>
      a.event_id + a.study_uid + a.code < b.event_id + b.study_uid + b.code ? -1 : 1,
    );
    expect(rows.length).toBeGreaterThan(100);
    // The stream's inspections (v1.1) take part: their findings are kept up to date too.
    const codes = new Set(rows.map((r) => r.code));
    expect(codes).toContain('DEIDENTIFICATION_FAILED');
    expect(codes).toContain('PATIENT_IDENTIFIABLE');
    expect(sorted).toEqual(scratch);
  });

  it('should end with the same findings when the worker evaluates in rounds racing the batches', async () => {
    const [eachBatch, racing] = await Promise.all([
      ingest(messages, 4),
      ingest(messages, 4, 'racing'),
    ]);
    expect(racing.rows.length).toBeGreaterThan(100);
    expect(racing.rows).toEqual(eachBatch.rows);
    const [progress] = await racing.db.dataSource.query<{ complete_through: string }[]>(
      'SELECT complete_through::text AS complete_through FROM findings_progress',
    );
    const [head] = await racing.db.dataSource.query<{ head: string }[]>(
      'SELECT max(sequence)::text AS head FROM ledger_entries',
    );
    expect(progress.complete_through).toBe(head.head);
  });

  it('should leave findings untouched until the worker evaluates the entries', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const recorder = new DirectRecorder(db.dataSource, settings, 0, 'later');
    await recorder.record(messages.slice(0, 1500));
    expect(await findingsRows(db)).toEqual([]);
    const through = await recorder.completeFindings();
    const [head] = await db.dataSource.query<{ head: string }[]>(
      'SELECT max(sequence)::text AS head FROM ledger_entries',
    );
    expect(String(through)).toBe(head.head);
    expect((await findingsRows(db)).length).toBeGreaterThan(10);
  });

  it('should give the same findings whatever order the events arrive in', async () => {
    const random = mulberry32(7);
    const shuffled = [...messages];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const [inOrder, reordered] = await Promise.all([ingest(messages, 2), ingest(shuffled, 3)]);
    expect(reordered.rows).toEqual(inOrder.rows);
  });
});
