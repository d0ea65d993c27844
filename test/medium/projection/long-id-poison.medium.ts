import { randomBytes } from 'node:crypto';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * Attack: one event with a long id poisons later valid events of other producers. Ids have
 * no length limit but the entry's, and the read models key some rows by ids of two events:
 * rm_breach_affected (breach_id, study_uid), the deletion obligations (request_id,
 * vendor_id, study_uid). A breach report whose id fits its own rows (rm_breaches
 * (vendor_id, breach_id) under btree's 2,704 bytes) is recorded; each later disclosure to
 * that vendor in the exposure window then adds a (breach_id, study_uid) row over the limit
 * (54000), and the ingest's safety net quarantines the disclosure as rejected_by_database:
 * a valid disclosure is never recorded (CONTRACT 1: only messages that are not valid events
 * are quarantined), so one hostile report hides a vendor's receipts from the ledger.
 * Reproduce: publish a breach.reported with a 2,650-character breachId for vendor "v", then
 * a disclosure.recorded to "v" of a 64-character study uid.
 */
describe('ids that fit their own event but not a row shared with a later one (medium: PostgreSQL)', () => {
  const settings = testSettings();
  let db: TestDatabase;
  let recorder: DirectRecorder;

  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new DirectRecorder(db.dataSource, settings, 0, 'later', 'split');
  });

  afterAll(() => db.drop());

  /** One batch of the events, through the ingest's splitting recorder. */
  const record = (events: object[]) => recorder.record(events);

  // Random text: btree compresses a long index entry only when it shrinks.
  const longId = (prefix: string, length: number): string =>
    `${prefix}${randomBytes(length).toString('base64url')}`.slice(0, length);
  const study = `1.2.826.0.1.3680043.8.498.${'1'.repeat(38)}`; // 64 characters, DICOM's most

  it('should record a disclosure to a vendor after its breach report with a long id', async () => {
    const breach = exampleData('org.scantrail.breach.reported', {
      breachId: longId('brc-', 2650),
      vendorId: 'v',
      discoveredAt: '2024-06-01',
    });
    delete (breach as { affectedTargets?: unknown }).affectedTargets;
    delete (breach as { exposureFrom?: unknown }).exposureFrom;
    // Recorded, or refused on its own (its id named): never at the cost of later events.
    const reported = await record([cloudEvent('org.scantrail.breach.reported', breach)]);
    expect(reported.recorded + reported.quarantined.length).toBe(1);
    for (const q of reported.quarantined) expect(q.reason).toMatch(/breachId/);
    const disclosed = await record([
      cloudEvent(
        'org.scantrail.disclosure.recorded',
        exampleData('org.scantrail.disclosure.recorded', {
          recipientVendorId: 'v',
          target: { studyInstanceUid: study },
        }),
        { time: '2024-05-01T00:00:00Z' },
      ),
    ]);
    expect({
      recorded: disclosed.recorded,
      reasons: disclosed.quarantined.map((q) => q.reason),
    }).toEqual({ recorded: 1, reasons: [] });
  });
});
