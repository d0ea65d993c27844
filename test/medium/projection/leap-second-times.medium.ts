import { parseRfc3339DateTime } from '@scantrail/contract';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * RFC 3339 allows a leap second (":60" as the last second of a UTC day) and the decoder
 * accepts it (CONTRACT section 1: `time` is RFC 3339; rfc3339.ts reads it as 23:59:59.999Z),
 * and appendBatch stores it (append-batch.medium.ts). The lineage projection, in the same
 * transaction, read the time with `new Date(text)`, which V8 refuses for ":60": a RangeError
 * that is not a database refusal, so the batch failed on every retry and the partition
 * stalled behind one valid event (CONTRACT section 1: nothing blocks a partition).
 * Reproduce: publish a disclosure.recorded with "time": "2016-12-31T23:59:60Z".
 */
describe('events at a leap second (medium: PostgreSQL)', () => {
  const settings = testSettings();
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  it.each([
    ['2016-12-31T23:59:60Z', 'dsc-leap-utc', 0],
    ['2016-12-31T18:59:60.5-05:00', 'dsc-leap-offset', 1],
  ])(
    'should record and project an event whose time is the leap second %s, and the next one after it',
    async (time, disclosureId, partition) => {
      const recorder = new DirectRecorder(db.dataSource, settings, partition);
      const disclosure = cloudEvent(
        'org.scantrail.disclosure.recorded',
        exampleData('org.scantrail.disclosure.recorded', { disclosureId }),
        { time },
      );
      const next = cloudEvent(
        'org.scantrail.vendor.registered',
        exampleData('org.scantrail.vendor.registered', { vendorId: `vnd-after-${disclosureId}` }),
      );
      const outcome = await recorder.record([disclosure, next]);
      expect({ recorded: outcome.recorded, quarantined: outcome.quarantined.length }).toEqual({
        recorded: 2,
        quarantined: 0,
      });
      const [row] = await db.dataSource.query<{ at: Date }[]>(
        'SELECT occurred_at AS at FROM rm_disclosures WHERE disclosure_id = $1',
        [disclosureId],
      );
      // The instant the contract's own reading gives (what findings compare with periods).
      expect(row.at.toISOString()).toBe(
        new Date(parseRfc3339DateTime(time) as number).toISOString(),
      );
    },
  );
});
