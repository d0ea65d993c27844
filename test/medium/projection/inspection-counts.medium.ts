import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * Attack: an inspection whose `instances` passes validation (an integer >= 1, CONTRACT 1;
 * zod takes any safe integer) but not the read model: rm_inspections.instances is a 32-bit
 * integer, as GraphQL's Int (Inspection.instances: Int!). The database refused the batch
 * (22003) and the safety net quarantined the event as rejected_by_database with
 * PostgreSQL's words, not as the data problem it is: an operator reading the quarantine is
 * told of a database error, and a valid-looking event is neither recorded nor refused for
 * what it holds. A count over 2,147,483,647 must be refused as invalid_data naming the
 * field, like the ids over 200 characters (0bd8931). Reproduce: publish a
 * deidentification.inspected with "instances": 3000000000.
 */
describe('an inspection counting more instances than a 32-bit integer holds (medium: PostgreSQL)', () => {
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

  // A FAIL with one issue over every instance: both counts at the value tried.
  const inspection = (instances: number): object =>
    cloudEvent('org.scantrail.deidentification.inspected', {
      ...exampleData('org.scantrail.deidentification.inspected'),
      instances,
      result: 'FAIL',
      issues: [{ code: 'BURNED_IN_ANNOTATION', instances }],
    });

  it('should refuse as invalid_data, naming the field, an inspection of 3,000,000,000 instances', async () => {
    const outcome = await record([inspection(3_000_000_000)]);
    expect(outcome.recorded).toBe(0);
    expect(outcome.quarantined.map((q) => q.reason)).toEqual([
      expect.stringMatching(/^invalid_data: .*instances/),
    ]);
  });

  it('should record an inspection of 2,147,483,647 instances', async () => {
    const outcome = await record([inspection(2_147_483_647)]);
    expect({
      recorded: outcome.recorded,
      reasons: outcome.quarantined.map((q) => q.reason),
    }).toEqual({
      recorded: 1,
      reasons: [],
    });
  });
});
