import { AccessLogService, Viewer } from '@scantrail/access';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { InvalidArgumentError, PatientRightsReadService } from '@scantrail/queries';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * Attack: a forged `after` cursor of deletionRequests. Cursors are checked part by part so
 * that a forged one is BAD_USER_INPUT "rather than reaching SQL" (cursor-codec.ts), but the
 * time part only had to be a safe integer: 9,000,000,000,000,000 ms is one, yet past what a
 * Date holds (8.64e15), so `new Date(after[0])` was an Invalid Date sent to PostgreSQL as a
 * parameter: the client got a database error (INTERNAL_SERVER_ERROR) instead of
 * BAD_USER_INPUT (STYLE 6; CONTRACT 3). Reproduce: deletionRequests(after: <base64url of
 * ["deletionRequests",9000000000000000,""]>).
 */
const officer = new Viewer('officer', ['privacy_officer']);
const forged = (...key: unknown[]): string =>
  Buffer.from(JSON.stringify(['deletionRequests', ...key])).toString('base64url');

describe('a forged deletionRequests cursor (medium: PostgreSQL)', () => {
  const settings = testSettings();
  let db: TestDatabase;
  let rights: PatientRightsReadService;

  beforeAll(async () => {
    db = await createTestDatabase();
    await new DirectRecorder(db.dataSource, settings).record([
      cloudEvent(
        'org.scantrail.deletion.requested',
        exampleData('org.scantrail.deletion.requested', { requestId: 'del-forged-1' }),
      ),
    ]);
    rights = new PatientRightsReadService(db.dataSource, new AccessLogService());
  });

  afterAll(() => db.drop());

  it.each([
    ['past the last Date', 9_000_000_000_000_000],
    ['before the first Date', -9_000_000_000_000_000],
  ])(
    'should refuse a cursor whose time is %s as an invalid argument, in either list',
    async (_name, ms) => {
      for (const status of [null, 'OPEN'] as const) {
        await expect(
          rights.deletionRequests(officer, { after: forged(ms, ''), status }),
        ).rejects.toBeInstanceOf(InvalidArgumentError);
      }
    },
  );
});
