import { AccessLogService, Viewer } from '@scantrail/access';
import { cloudEvent } from '@scantrail/contract/testing';
import { PatientRightsReadService } from '@scantrail/queries';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import {
  obligationPatientEvents,
  obligationStudyUid,
  type ObligationWorld,
} from '../../support/deletion-obligations.fixture';

/**
 * Per-vendor obligation counts over more requests than one page holds (the dashboard once
 * counted them from the first 200 requests of each status): the counts must equal what
 * paging through every request gives, as of any time, and follow the ledger as it grows.
 */
const REQUESTS = 260;
const NIMBUS = 'vnd-nimbus';
const STRATUS = 'vnd-stratus';
/** Every patient's study goes to Nimbus; every third is passed on to Stratus; Nimbus attests
 * the deletion of every fifth study after the request. */
const WORLD: ObligationWorld = {
  tag: '77',
  uidPrefix: '2.25.77',
  host: NIMBUS,
  onward: STRATUS,
  passedOn: (i) => i % 3 === 0,
  attested: (i) => i % 5 === 0,
  dueBy: () => '2025-02-01',
};

const officer = new Viewer('officer', ['privacy_officer']);
const stratus = new Viewer('stratus', ['vendor'], STRATUS);

/** Obligations per vendor and status, counted from every page of deletionRequests. */
async function countFromPages(
  rights: PatientRightsReadService,
  viewer: Viewer,
  asOf: Date,
): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>();
  let after: string | null = null;
  let seen = 0;
  for (;;) {
    const page = await rights.deletionRequests(viewer, { asOf, first: 100, after });
    for (const { node } of page.edges) {
      seen++;
      for (const o of node.obligations) {
        const tally = counts.get(o.vendorId) ?? { OPEN: 0, OVERDUE: 0, FULFILLED: 0, EXEMPT: 0 };
        tally[o.status]++;
        counts.set(o.vendorId, tally);
      }
    }
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  expect(seen).toBe(await page0Total(rights, viewer, asOf));
  return counts;
}

async function page0Total(
  rights: PatientRightsReadService,
  viewer: Viewer,
  asOf: Date,
): Promise<number> {
  return (await rights.deletionRequests(viewer, { asOf, first: 0 })).totalCount;
}

describe('deletion obligations per vendor (medium: PostgreSQL, no Kafka)', () => {
  let db: TestDatabase;
  let recorder: DirectRecorder;
  let rights: PatientRightsReadService;
  const indexes = Array.from({ length: REQUESTS }, (_, i) => i);

  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new DirectRecorder(db.dataSource, testSettings());
    await recorder.record(indexes.flatMap((i) => obligationPatientEvents(WORLD, i)));
    // One service for the whole file, as the API keeps one: its answers must follow the ledger.
    rights = new PatientRightsReadService(db.dataSource, new AccessLogService());
  });

  afterAll(() => db.drop());

  const passedOn = indexes.filter(WORLD.passedOn).length;
  const attested = indexes.filter(WORLD.attested).length;

  it('should count every request when more than a page of them are overdue', async () => {
    const asOf = new Date('2025-03-01T00:00:00Z');
    const lines = await rights.obligationsByVendor(officer, asOf);
    expect(lines.map((l) => [l.vendorId, l.counts])).toEqual([
      [NIMBUS, { OVERDUE: REQUESTS - attested, OPEN: 0, FULFILLED: attested, EXEMPT: 0 }],
      [STRATUS, { OVERDUE: passedOn, OPEN: 0, FULFILLED: 0, EXEMPT: 0 }],
    ]);
    expect(REQUESTS - attested).toBeGreaterThan(200);
    const paged = await countFromPages(rights, officer, asOf);
    expect(Object.fromEntries(lines.map((l) => [l.vendorId, l.counts]))).toEqual(
      Object.fromEntries(paged),
    );
  });

  it('should count as of the time asked: open before the due date, fulfilled only once attested', async () => {
    const beforeDue = await rights.obligationsByVendor(officer, new Date('2025-01-20T00:00:00Z'));
    expect(beforeDue.map((l) => [l.vendorId, l.counts])).toEqual([
      [NIMBUS, { OVERDUE: 0, OPEN: REQUESTS - attested, FULFILLED: attested, EXEMPT: 0 }],
      [STRATUS, { OVERDUE: 0, OPEN: passedOn, FULFILLED: 0, EXEMPT: 0 }],
    ]);
    const beforeRequests = await rights.obligationsByVendor(
      officer,
      new Date('2025-01-03T12:00:00Z'),
    );
    expect(beforeRequests).toEqual([]);
    const beforeAttesting = await rights.obligationsByVendor(
      officer,
      new Date('2025-01-09T00:00:00Z'),
    );
    expect(beforeAttesting[0].counts).toEqual({
      OVERDUE: 0,
      OPEN: REQUESTS,
      FULFILLED: 0,
      EXEMPT: 0,
    });
    const openPages = await countFromPages(rights, officer, new Date('2025-01-09T00:00:00Z'));
    expect(openPages.get(NIMBUS)?.OPEN).toBe(REQUESTS);
  });

  it('should show a vendor only its own line, counted over its own obligations', async () => {
    const asOf = new Date('2025-03-01T00:00:00Z');
    const lines = await rights.obligationsByVendor(stratus, asOf);
    expect(lines.map((l) => [l.vendorId, l.counts.OVERDUE])).toEqual([[STRATUS, passedOn]]);
    const paged = await countFromPages(rights, stratus, asOf);
    expect([...paged.keys()]).toEqual([STRATUS]);
    expect(paged.get(STRATUS)?.OVERDUE).toBe(passedOn);
  });

  it('should count again when the ledger grows (a late attestation)', async () => {
    const asOf = new Date('2025-03-01T00:00:00Z');
    const before = await rights.obligationsByVendor(officer, asOf);
    expect(before.find((l) => l.vendorId === STRATUS)?.counts.FULFILLED).toBe(0);
    await recorder.record([
      cloudEvent(
        'org.scantrail.deletion.attested',
        { vendorId: STRATUS, target: { studyInstanceUid: obligationStudyUid(WORLD, 0) } },
        { time: '2025-02-15T00:00:00Z' },
      ),
    ]);
    const after = await rights.obligationsByVendor(officer, asOf);
    expect(after.find((l) => l.vendorId === STRATUS)?.counts).toEqual({
      OVERDUE: passedOn - 1,
      OPEN: 0,
      FULFILLED: 1,
      EXEMPT: 0,
    });
    const paged = await countFromPages(rights, officer, asOf);
    expect(paged.get(STRATUS)?.FULFILLED).toBe(1);
  });
});
