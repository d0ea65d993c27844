import { AccessLogService, Viewer } from '@scantrail/access';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { PatientRightsReadService } from '@scantrail/queries';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import { markRequestsUnkept } from '../../support/deletion-obligations.fixture';

/**
 * Found by a helper's attack (session 26): the deletionRequests pages filtered by status or
 * vendor while some request is not kept (`cli keep-obligations` not run yet) are cut from a
 * tally that SQL orders by (requested_at, request_id) in the column's collation, and the
 * page after a cursor was found with JavaScript's `requestId > after`, UTF-16 code units.
 * The two disagree on requests made in the same millisecond: under C.UTF-8 (the test
 * server's) for an astral character against U+E000..U+FFFF, under en_US.utf8 (the
 * postgres:17 image of docker-compose.yml) for mere letter case, so a page skipped requests
 * (`hasNextPage` true, then an empty page). The test server's collation is C.UTF-8, so the
 * case below is the astral one; the fix compares in the database, whatever the collation.
 */
const officer = new Viewer('officer', ['privacy_officer']);
const TIME = '2026-03-01T10:00:00Z';

async function pageAll(
  rights: PatientRightsReadService,
  status: 'FULFILLED' | null,
): Promise<{ ids: string[]; total: number; pages: number }> {
  const ids: string[] = [];
  let after: string | null = null;
  let total = -1;
  let pages = 0;
  for (;;) {
    const page = await rights.deletionRequests(officer, {
      status,
      asOf: new Date('2026-03-02T00:00:00Z'),
      first: 1,
      after,
    });
    pages++;
    total = await page.totalCount;
    ids.push(...page.edges.map((e) => e.node.requestId));
    if (!page.pageInfo.hasNextPage || pages > 20) break;
    after = page.pageInfo.endCursor;
  }
  return { ids, total, pages };
}

async function world(requestIds: string[]): Promise<TestDatabase> {
  const db = await createTestDatabase();
  await new DirectRecorder(db.dataSource, testSettings()).record(
    requestIds.map((requestId, i) =>
      cloudEvent(
        'org.scantrail.deletion.requested',
        exampleData('org.scantrail.deletion.requested', {
          requestId,
          patient: { system: 'urn:mrn', value: `p-${i}` },
          scope: undefined,
        }),
        { time: TIME },
      ),
    ),
  );
  await markRequestsUnkept(db.ownerUrl);
  return db;
}

describe('deletionRequests pages filtered by status while requests are unkept (medium)', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  it.each([[['del-\uFF21', 'del-\u{1F600}', 'del-b']], [['del-a', 'del-B', 'del-c', 'del-A']]])(
    'should list every request once, in the order of the unfiltered list, when made in the same millisecond: %j',
    async (requestIds) => {
      const db = await world(requestIds);
      dbs.push(db);
      const rights = new PatientRightsReadService(db.dataSource, new AccessLogService());
      const whole = await pageAll(rights, null);
      const filtered = await pageAll(rights, 'FULFILLED');
      expect([...whole.ids].sort()).toEqual([...requestIds].sort());
      expect(filtered.total).toBe(requestIds.length);
      expect(filtered.ids).toEqual(whole.ids);
    },
  );
});
