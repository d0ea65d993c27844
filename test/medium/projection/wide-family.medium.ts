import { cloudEvent } from '@scantrail/contract/testing';
import { Client } from 'pg';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * Attack: a study with 150,000 derivatives (each a valid study.deidentified; CONTRACT 1 sets
 * no limit on them) and a deletion request of its patient. The projection keeps the
 * request's obligations in the batch's transaction and walks the patient's family in
 * JavaScript, pushing each study's derivatives onto its queue with one spread call
 * (queue.push(...derivatives)): past ~125,000 arguments V8 throws RangeError (Maximum
 * call stack size exceeded). That is no database refusal, so the ingest's safety net does
 * not quarantine the message: the batch is retried for ever and its partition stalls
 * (CONTRACT 1: no message blocks its partition), as does every later batch touching that
 * patient's family. Reproduce: publish a study.registered S of patient P, 150,000
 * study.deidentified with source S, then a deletion.requested of P.
 */
describe('a deletion request over a study with 150,000 derivatives (medium: PostgreSQL)', () => {
  const settings = testSettings();
  const patient = { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'MRN-WIDE-FAMILY' };
  const source = '1.2.826.0.1.3680043.8.498.1';
  const DERIVATIVES = 150_000;
  let db: TestDatabase;
  let recorder: DirectRecorder;

  /** One batch of the events, through the ingest's splitting recorder. */
  const record = (events: object[]) => recorder.record(events);

  const derivation = (i: number): object =>
    cloudEvent(
      'org.scantrail.study.deidentified',
      {
        sourceStudyInstanceUid: source,
        derivedStudyInstanceUid: `${source}.${i + 1}`,
        methodCodes: ['113100'],
        tool: { name: 'bulk-anonymizer', version: '1' },
      },
      { time: '2024-02-01T00:00:00Z' },
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new DirectRecorder(db.dataSource, settings, 0, 'later', 'split');
    await record([
      cloudEvent(
        'org.scantrail.study.registered',
        {
          studyInstanceUid: source,
          patient,
          modality: 'CT',
          bodyPart: 'CHEST',
          studyDate: '2024-01-10',
          facility: 'General',
        },
        { time: '2024-01-10T00:00:00Z' },
      ),
    ]);
    for (let from = 0; from < DERIVATIVES; from += 5_000) {
      await record(Array.from({ length: 5_000 }, (_, k) => derivation(from + k)));
      if (from === 20_000) {
        // What autovacuum's ANALYZE does sooner or later: its sample of rm_derivations then
        // holds one source. Planned from that, every probe of a derivative's own derivatives
        // was a sequential scan of the whole table: each later batch of 5,000 read 650M rows
        // and the partition stalled (fresh-ci of 664a023: past the 900 s limit). Migration
        // 1764110000000 tells the planner what the column holds; each probe stays an index probe.
        await analyzeAsOwner('rm_derivations');
      }
    }
  }, 900_000);

  afterAll(() => db.drop());

  const analyzeAsOwner = async (table: string): Promise<void> => {
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      await owner.query(`ANALYZE ${table}`);
    } finally {
      await owner.end();
    }
  };

  it('should record the deletion request and a later derivative of the family', async () => {
    const request = await record([
      cloudEvent(
        'org.scantrail.deletion.requested',
        { requestId: 'del-wide-family', patient, dueBy: '2024-04-30' },
        { time: '2024-03-01T00:00:00Z' },
      ),
    ]);
    expect([request.recorded, request.quarantined]).toEqual([1, []]);
    const later = await record([derivation(DERIVATIVES)]);
    expect([later.recorded, later.quarantined]).toEqual([1, []]);
    const [kept] = await db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM rm_deletion_family WHERE request_id = 'del-wide-family'`,
    );
    expect(kept.n).toBe(DERIVATIVES + 2);
  }, 300_000);
});
