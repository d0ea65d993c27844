import { AccessLogService, Viewer } from '@scantrail/access';
import { isRfc3339DateTime } from '@scantrail/contract';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { PatientRightsReadService } from '@scantrail/queries';
import { DateTimeScalar } from '../../../apps/api/src/graphql/date-time.scalar';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * A breach report's notice deadlines are computed from `discoveredAt` (CONTRACT 3.1: + 60
 * days; HHS: March 1 or February 29 of the next year when fewer than 500 to notify), and
 * `discoveredAt` may be any storable date up to 9999-12-31. Discovered in year 9999, the HHS
 * deadline is in year 10000 (from November 2, 9999, the individuals' one too), which the
 * DateTime scalar served as "+010000-02-29T23:59:59.999Z": not RFC 3339 (CONTRACT 3: scalar
 * DateTime # RFC 3339), outside the range the scalar's own description gives (0001..9999).
 * Either such a report is refused at ingest (quarantined, like any unstorable date) or every
 * DateTime of its answer is RFC 3339. Reproduce: publish a breach.reported with
 * "discoveredAt": "9999-12-01" and ask breachImpact for hhsNoticeDeadline.
 */
const officer = new Viewer('officer', ['privacy_officer']);

describe('breach notice deadlines at the end of the storable range (medium: PostgreSQL)', () => {
  const settings = testSettings();
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  it.each([
    ['9999-01-01', 'brc-9999-jan', 0],
    ['9999-12-01T10:00:00Z', 'brc-9999-dec', 1],
  ])(
    'should serve only RFC 3339 deadlines, or quarantine the report, when discoveredAt is %s',
    async (discoveredAt, breachId, partition) => {
      const recorder = new DirectRecorder(db.dataSource, settings, partition);
      const data = exampleData('org.scantrail.breach.reported', { breachId, discoveredAt });
      delete (data as { exposureTo?: string }).exposureTo;
      delete (data as { exposureFrom?: string }).exposureFrom;
      const outcome = await recorder.record([
        cloudEvent('org.scantrail.breach.reported', data, { subject: breachId }),
      ]);
      if (outcome.quarantined.length === 1) {
        expect(outcome.quarantined[0].reason).toMatch(/discoveredAt/);
        return;
      }
      const view = await new PatientRightsReadService(
        db.dataSource,
        new AccessLogService(),
      ).breachImpact(officer, breachId);
      if (view === null) throw new Error(`${breachId} was neither quarantined nor projected`);
      const served = (value: Date): string => DateTimeScalar.serialize(value);
      const deadlines = {
        individualNoticeDeadline: served(view.individualNoticeDeadline),
        hhsNoticeDeadline: served(view.hhsNoticeDeadline),
      };
      expect({
        deadlines,
        rfc3339: Object.values(deadlines).every((text) => isRfc3339DateTime(text)),
      }).toEqual({ deadlines, rfc3339: true });
    },
  );
});
