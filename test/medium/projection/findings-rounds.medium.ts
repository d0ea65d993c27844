import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { catchUpFindings, storeFindingsProgress } from '@scantrail/projection';
import { LedgerLog } from '@scantrail/storage';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * The findings worker's rounds and what they read, where a ledger sequence gains a digit:
 * sequences are read as text (bigint), and ordering by that text put 10 before 9.
 */
const vendorRegistered = (i: number): object =>
  cloudEvent(
    'org.scantrail.vendor.registered',
    exampleData('org.scantrail.vendor.registered', { vendorId: `vnd-round-${i}` }),
  );

describe('findings rounds across a sequence that gains a digit (medium: PostgreSQL)', () => {
  const settings = testSettings();
  const log = new LedgerLog(settings.ledgerOrigin);
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase();
  });

  afterEach(() => db.drop());

  it('should evaluate the entries right after the position when the next ones gain a digit', async () => {
    const recorder = new DirectRecorder(db.dataSource, settings, 0, 'later');
    await recorder.record(Array.from({ length: 14 }, (_, i) => vendorRegistered(i)));
    const round = await db.dataSource.transaction('READ COMMITTED', async (m) => {
      await storeFindingsProgress(m, 8);
      return catchUpFindings(m, log, 2);
    });
    // Entries 9 and 10, not 10 and 11 (which would have moved the position past 9 unread).
    expect(round).toEqual({ from: 8, completeThrough: 10, evaluated: 2 });
  });

  it('should take the later ledger sequence as the latest of two inspections at one time when it gains a digit', async () => {
    const recorder = new DirectRecorder(db.dataSource, settings);
    const study = '2.25.7001';
    const time = '2025-05-01T10:00:00.000Z';
    const inspected = (inspectionId: string, result: 'PASS' | 'FAIL'): object => {
      const data = exampleData('org.scantrail.deidentification.inspected', {
        inspectionId,
        studyInstanceUid: study,
        result,
      });
      delete (data as { patientIdentifiersFound?: unknown }).patientIdentifiersFound;
      if (result === 'PASS') delete (data as { issues?: unknown }).issues;
      return cloudEvent('org.scantrail.deidentification.inspected', data, {
        time,
        subject: study,
      });
    };
    // Sequences 0..8, then the failed inspection at 9 and the passed one at 10, same time.
    await recorder.record(Array.from({ length: 9 }, (_, i) => vendorRegistered(i)));
    await recorder.record([inspected('insp-9', 'FAIL')]);
    await recorder.record([inspected('insp-10', 'PASS')]);
    await recorder.record([
      cloudEvent(
        'org.scantrail.disclosure.recorded',
        exampleData('org.scantrail.disclosure.recorded', {
          target: { studyInstanceUid: study },
          legalBasis: 'DEIDENTIFIED',
        }),
        { time: '2025-06-01T00:00:00.000Z' },
      ),
    ]);
    const sequences = await db.dataSource.query<{ inspection_id: string; s: string }[]>(
      'SELECT inspection_id, ledger_sequence::text AS s FROM rm_inspections ORDER BY ledger_sequence',
    );
    expect(sequences).toEqual([
      { inspection_id: 'insp-9', s: '9' },
      { inspection_id: 'insp-10', s: '10' },
    ]);
    const codes = await db.dataSource.query<{ code: string }[]>(
      'SELECT code FROM rm_findings WHERE study_uid = $1 ORDER BY code',
      [study],
    );
    // The latest inspection passed: no DEIDENTIFICATION_FAILED (the derivative question
    // remains: the study is no de-identified derivative; and vnd-acme has no agreement).
    expect(codes.map((c) => c.code)).toEqual(['NOT_DEIDENTIFIED', 'NO_AGREEMENT']);
  });
});
