import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

// A fault of our own that one message sets off (pseudonymization throws on it), as a bug
// that slipped through would: the message must be quarantined as unprocessable, the rest
// of its batch recorded, and the operator told where the code failed, without its content.
jest.mock('@scantrail/contract', () => {
  const actual = jest.requireActual<typeof import('@scantrail/contract')>('@scantrail/contract');
  return {
    ...actual,
    pseudonymizeEvent: (event: { data: { description?: string } }, key: Buffer) => {
      if (event.data.description === 'sets off a fault')
        throw new TypeError(`cannot pseudonymize MRN-004211\n    at MRN-004211 (quoted.js:1:1)`);
      return actual.pseudonymizeEvent(event as never, key);
    },
  };
});

describe('a message our own code fails on (medium: PostgreSQL)', () => {
  const settings = testSettings();
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  it('should quarantine it as unprocessable, record the rest of its batch, and say where the code failed', async () => {
    const recorder = new DirectRecorder(db.dataSource, settings, 0, 'now', 'split');
    const registered = (uid: string, description: string) =>
      cloudEvent(
        'org.scantrail.study.registered',
        exampleData('org.scantrail.study.registered', { studyInstanceUid: uid, description }),
      );
    const outcome = await recorder.record([
      registered('1.2.3.1', 'CT head'),
      registered('1.2.3.2', 'sets off a fault'),
      registered('1.2.3.3', 'MR knee'),
    ]);
    expect(outcome.recorded).toBe(2);
    expect(outcome.quarantined.map((q) => [q.offset, q.reason])).toEqual([
      ['1', 'unprocessable: preparing the ledger entry failed (TypeError)'],
    ]);
    expect(outcome.faults).toHaveLength(1);
    const [fault] = outcome.faults ?? [];
    expect(fault).toMatchObject({ partition: 0, offset: '1', fault: { type: 'TypeError' } });
    expect(fault.fault.frames.some((f) => /pending-entry/.test(f))).toBe(true);
    // What the log would carry quotes nothing of the message.
    expect(JSON.stringify(outcome.faults)).not.toContain('MRN-004211');

    const rows = await db.dataSource.query<{ reason: string }[]>(
      'SELECT reason FROM quarantined_messages ORDER BY kafka_offset',
    );
    expect(rows.map((r) => r.reason)).toEqual([
      'unprocessable: preparing the ledger entry failed (TypeError)',
    ]);
    const studies = await db.dataSource.query<{ study_uid: string }[]>(
      'SELECT study_uid FROM rm_studies ORDER BY study_uid',
    );
    expect(studies.map((s) => s.study_uid)).toEqual(['1.2.3.1', '1.2.3.3']);
  });
});
