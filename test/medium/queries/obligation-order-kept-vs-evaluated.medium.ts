import { AccessLogService, Viewer } from '@scantrail/access';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { PatientRightsReadService } from '@scantrail/queries';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * Found by a helper's attack (session 26): a request's obligations were ordered by (vendor,
 * study) in UTF-16 code units when evaluated in JavaScript (evaluateDeletionRequest,
 * compareStrings) and in code-point order when read from the kept rows (KEPT_OBLIGATIONS,
 * COLLATE "C"), so the same request listed its vendors in two orders depending on the list
 * asked. compareStrings is code-point order now.
 */
const officer = new Viewer('officer', ['privacy_officer']);
const PATIENT = { system: 'urn:mrn', value: 'p-1' };
const VENDORS = ['v-\uFF21', 'v-\u{1F600}'];

describe('obligation order: kept rows vs evaluation (medium)', () => {
  let db: TestDatabase;
  afterAll(async () => db?.drop());

  it("should list a request's obligations in one order whatever the filter", async () => {
    db = await createTestDatabase();
    await new DirectRecorder(db.dataSource, testSettings()).record([
      cloudEvent(
        'org.scantrail.study.registered',
        exampleData('org.scantrail.study.registered', {
          studyInstanceUid: '1.2.3',
          patient: PATIENT,
        }),
        { time: '2026-01-01T00:00:00Z' },
      ),
      ...VENDORS.map((v, i) =>
        cloudEvent(
          'org.scantrail.disclosure.recorded',
          exampleData('org.scantrail.disclosure.recorded', {
            disclosureId: `d-${i}`,
            recipientVendorId: v,
            target: { studyInstanceUid: '1.2.3' },
          }),
          { time: '2026-01-02T00:00:00Z' },
        ),
      ),
      cloudEvent(
        'org.scantrail.deletion.requested',
        exampleData('org.scantrail.deletion.requested', {
          requestId: 'del-1',
          patient: PATIENT,
          dueBy: '2026-06-01',
          scope: undefined,
        }),
        { time: '2026-02-01T00:00:00Z' },
      ),
    ]);
    const rights = new PatientRightsReadService(db.dataSource, new AccessLogService());
    const asOf = new Date('2026-03-01T00:00:00Z');
    const order = async (status: 'OPEN' | null): Promise<string[]> => {
      const page = await rights.deletionRequests(officer, { status, asOf, first: 10, after: null });
      return page.edges.flatMap((e) => e.node.obligations.map((o) => o.vendor.vendorId));
    };
    const unfiltered = await order(null);
    const filtered = await order('OPEN');
    expect(unfiltered.length).toBe(2);
    expect(filtered).toEqual(unfiltered);
  });
});
