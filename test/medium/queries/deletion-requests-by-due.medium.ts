import { AccessLogService, Viewer } from '@scantrail/access';
import { PatientRightsReadService } from '@scantrail/queries';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import {
  markRequestsUnkept,
  obligationPatientEvents,
  type ObligationWorld,
} from '../../support/deletion-obligations.fixture';

/**
 * The vendor page lists a vendor's open and overdue obligations most overdue first, then
 * soonest due. It once sorted the first 100 requests of each status it fetched (in the
 * order they were made), so a sooner-due obligation of a later request never showed at the
 * top. `orderBy: DUE_DATE` orders on the server over every request: due date, ties by
 * request id, keyset-paged. Here the latest requests are due soonest, three per day.
 */
const REQUESTS = 150;
const NIMBUS = 'vnd-nimbus';
const STRATUS = 'vnd-stratus';
const dueDay = (i: number): string =>
  new Date(Date.UTC(2025, 1, 1) + Math.floor((REQUESTS - 1 - i) / 3) * 86_400_000)
    .toISOString()
    .slice(0, 10);
const WORLD: ObligationWorld = {
  tag: '88',
  uidPrefix: '2.25.88',
  host: NIMBUS,
  onward: STRATUS,
  passedOn: (i) => i % 3 === 0,
  attested: (i) => i % 5 === 0,
  dueBy: dueDay,
};
const requestId = (i: number): string => `del-88-${String(i).padStart(4, '0')}`;
const indexes = Array.from({ length: REQUESTS }, (_, i) => i);
const officer = new Viewer('officer', ['privacy_officer']);
const stratus = new Viewer('stratus', ['vendor'], STRATUS);
/** After the attestations (day 10) and after the first 15 due dates. */
const AS_OF = new Date('2025-02-15T12:00:00Z');

/** Requests of the host still open or overdue as of AS_OF: by due date, then request id. */
function expectedForHost(attestedCount: boolean): string[] {
  return byDue(indexes.filter((i) => !(attestedCount && WORLD.attested(i))));
}

function byDue(chosen: number[]): string[] {
  return chosen
    .map((i) => ({ id: requestId(i), due: dueDay(i) }))
    .sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : a.id < b.id ? -1 : 1))
    .map((r) => r.id);
}

async function pageAll(
  rights: PatientRightsReadService,
  viewer: Viewer,
  args: { vendorId?: string; status?: 'OPEN' | 'OVERDUE'; asOf: Date },
  first: number,
): Promise<{ ids: string[]; statuses: string[]; total: number; pages: number }> {
  const ids: string[] = [];
  const statuses: string[] = [];
  let after: string | null = null;
  let total = -1;
  let pages = 0;
  for (;;) {
    const page = await rights.deletionRequests(viewer, {
      ...args,
      orderBy: 'DUE_DATE',
      first,
      after,
    });
    pages++;
    total = await page.totalCount;
    ids.push(...page.edges.map((e) => e.node.requestId));
    statuses.push(...page.edges.map((e) => e.node.status));
    if (!page.pageInfo.hasNextPage || pages > 100) break;
    after = page.pageInfo.endCursor;
  }
  return { ids, statuses, total, pages };
}

describe('deletionRequests ordered by due date (medium: PostgreSQL, no Kafka)', () => {
  let db: TestDatabase;
  let rights: PatientRightsReadService;

  beforeAll(async () => {
    db = await createTestDatabase();
    await new DirectRecorder(db.dataSource, testSettings()).record(
      indexes.flatMap((i) => obligationPatientEvents(WORLD, i)),
    );
    rights = new PatientRightsReadService(db.dataSource, new AccessLogService());
  });

  afterAll(() => db.drop());

  it('should list every open and overdue request of the vendor by due date over more than a page', async () => {
    const expected = expectedForHost(true);
    const { ids, statuses, total, pages } = await pageAll(
      rights,
      officer,
      { vendorId: NIMBUS, asOf: AS_OF },
      25,
    );
    expect(pages).toBeGreaterThan(1);
    // The soonest due is among the most recent requests.
    expect(ids[0]).toBe(requestId(REQUESTS - 3));
    expect(ids).toEqual(expected);
    expect(total).toBe(expected.length);
    const overdue = statuses.filter((s) => s === 'OVERDUE').length;
    expect(overdue).toBeGreaterThan(0);
    expect(statuses).toEqual([
      ...Array<string>(overdue).fill('OVERDUE'),
      ...Array<string>(expected.length - overdue).fill('OPEN'),
    ]);
  });

  it('should give the same order whatever the page size, and filter by status within it', async () => {
    const small = await pageAll(rights, officer, { vendorId: NIMBUS, asOf: AS_OF }, 7);
    expect(small.ids).toEqual(expectedForHost(true));
    const open = await pageAll(
      rights,
      officer,
      { vendorId: NIMBUS, status: 'OPEN', asOf: AS_OF },
      10,
    );
    const overdue = await pageAll(
      rights,
      officer,
      { vendorId: NIMBUS, status: 'OVERDUE', asOf: AS_OF },
      10,
    );
    expect([...overdue.ids, ...open.ids]).toEqual(expectedForHost(true));
    expect(open.total).toBe(open.ids.length);
  });

  it('should count attested requests open before their attestation', async () => {
    const before = await pageAll(
      rights,
      officer,
      { vendorId: NIMBUS, asOf: new Date('2025-01-09T00:00:00Z') },
      40,
    );
    expect(before.ids).toEqual(expectedForHost(false));
  });

  it('should show a vendor only its own requests, and refuse another vendor', async () => {
    const own = await pageAll(rights, stratus, { asOf: AS_OF }, 10);
    expect(own.ids).toEqual(byDue(indexes.filter(WORLD.passedOn)));
    await expect(
      rights.deletionRequests(stratus, { vendorId: NIMBUS, orderBy: 'DUE_DATE', asOf: AS_OF }),
    ).rejects.toThrow(/own vendor/);
  });

  it('should refuse a status it does not list', async () => {
    await expect(
      rights.deletionRequests(officer, { orderBy: 'DUE_DATE', status: 'FULFILLED', asOf: AS_OF }),
    ).rejects.toThrow(/only OPEN and OVERDUE/);
  });

  it('should refuse a cursor of the list in request order', async () => {
    const made = await rights.deletionRequests(officer, {
      vendorId: NIMBUS,
      asOf: AS_OF,
      first: 1,
    });
    await expect(
      rights.deletionRequests(officer, {
        vendorId: NIMBUS,
        asOf: AS_OF,
        orderBy: 'DUE_DATE',
        after: made.pageInfo.endCursor,
      }),
    ).rejects.toThrow(/cursor/);
  });

  it('should give the same pages while a request is not kept yet (the tally)', async () => {
    await markRequestsUnkept(db.ownerUrl);
    const fresh = new PatientRightsReadService(db.dataSource, new AccessLogService());
    const tallied = await pageAll(fresh, officer, { vendorId: NIMBUS, asOf: AS_OF }, 25);
    expect(tallied.ids).toEqual(expectedForHost(true));
    expect(tallied.total).toBe(tallied.ids.length);
    // Stratus never attests: a request attested by Nimbus alone stays open for it.
    const all = await pageAll(fresh, officer, { asOf: AS_OF }, 30);
    expect(all.ids).toEqual(byDue(indexes.filter((i) => !WORLD.attested(i) || WORLD.passedOn(i))));
  });
});
