import { createDataSource, READ_MODEL_TABLES } from '@scantrail/storage';
import { verify } from '../../../apps/cli/src/commands/ledger.commands';
import { fastLoad } from '../../../bench/support/fast-load';
import { RightsLoad } from '../../../bench/support/rights-load';
import {
  createTestDatabase,
  DirectRecorder,
  signCheckpoint,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * bench:api's fast loader against the ingest path: the same stream (the demo with the
 * patient-rights load mixed in) recorded both ways must leave the same ledger, the same
 * read models, findings included, and the same quarantine, and `verify` must pass on it.
 * The fast loader runs as the schema owner with the read models' secondary indexes dropped
 * and built again, prepares entries on worker threads, and evaluates the findings over the
 * whole ledger in small groups of derivation families: all held to what the ingest path
 * and its worker leave.
 */
const EVENTS = 20_000;
const SEED = 11;
const INGEST_BATCH = 500;
/** Smaller than the stream, so keyed rows meet across chunks as across ingest batches. */
const FAST_CHUNK = 3_000;
/** Far fewer studies than the stream has, so the findings are evaluated in many groups. */
const FINDINGS_GROUP = 300;
/** Both loads take about a minute on a quiet machine; far more on a loaded one. */

// Each table as a row set: count and a digest of its rows in a fixed order; the columns set
// at insert time (recorded_at, received_at, ids, Kafka coordinates of the path) left out.
const TABLE_QUERIES: Record<string, string> = {
  ledger_entries: `SELECT sequence, source, event_id, type, time, occurred_at, subject, leaf_data,
                          leaf_hash, chain_hash FROM ledger_entries`,
  ledger_hashes: 'SELECT idx, hash FROM ledger_hashes',
  findings_progress: 'SELECT complete_through FROM findings_progress',
  quarantined_messages:
    'SELECT partition, kafka_offset, reason, raw_value FROM quarantined_messages',
  ...Object.fromEntries(READ_MODEL_TABLES.map((t) => [t, `SELECT * FROM ${t}`])),
};

interface RowSet {
  rows: number;
  digest: string;
}

/** The schema's indexes as CREATE INDEX statements (dropped and built again must match). */
async function indexes(db: TestDatabase): Promise<string[]> {
  const rows = await db.dataSource.query<{ definition: string }[]>(
    `SELECT indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema()
      ORDER BY indexname`,
  );
  return rows.map((r) => r.definition);
}

async function rowSets(db: TestDatabase): Promise<Record<string, RowSet>> {
  const sets: Record<string, RowSet> = {};
  for (const [table, select] of Object.entries(TABLE_QUERIES)) {
    const found = await db.dataSource.query<{ rows: number; digest: string | null }[]>(
      `SELECT count(*)::int AS rows, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS digest
         FROM (${select}) t`,
    );
    sets[table] = { rows: found[0].rows, digest: found[0].digest ?? '' };
  }
  return sets;
}

describe('fast loader (medium: PostgreSQL, no Kafka)', () => {
  const settings = testSettings();
  let ingested: TestDatabase;
  let loaded: TestDatabase;

  beforeAll(async () => {
    [ingested, loaded] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });

  afterAll(async () => {
    await Promise.all([ingested?.drop(), loaded?.drop()]);
  });

  it('should leave the tables the ingest path leaves when both record the same stream', async () => {
    const recorder = new DirectRecorder(ingested.dataSource, settings, 0, 'later');
    let batch: Buffer[] = [];
    for (const message of new RightsLoad(EVENTS, SEED).messages()) {
      batch.push(message.value);
      if (batch.length === INGEST_BATCH) {
        await recorder.record(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await recorder.record(batch);
    await recorder.completeFindings();
    await signCheckpoint(ingested.dataSource, settings);

    // As the schema owner: only the owner may drop and build the read models' indexes.
    const owner = createDataSource(loaded.ownerUrl, { name: 'fast-load-owner', poolSize: 2 });
    await owner.initialize();
    const result = await fastLoad(owner, new RightsLoad(EVENTS, SEED).messages(), {
      origin: settings.ledgerOrigin,
      pseudonymKey: settings.pseudonymKey,
      signer: settings.ledgerSigner!,
      topic: 'fast-load',
      group: 'fast-load',
      chunk: FAST_CHUNK,
      rebuildIndexes: true,
      prepareThreads: 2,
      findingsGroupStudies: FINDINGS_GROUP,
    }).finally(() => owner.destroy());
    expect(result.messages).toBe(EVENTS);
    expect(result.findings.groups).toBeGreaterThan(5);
    expect(await indexes(loaded)).toEqual(await indexes(ingested));

    const expected = await rowSets(ingested);
    const actual = await rowSets(loaded);
    expect(actual).toEqual(expected);
    // The comparison means something only if the stream exercised the merged tables.
    expect(actual.ledger_entries.rows).toBe(result.entries);
    for (const table of [
      'rm_finding_rows',
      'rm_finding_details',
      'rm_vendor_receipts',
      'rm_dataset_members',
      'rm_studies',
      'rm_breach_affected',
      'rm_deletion_obligations',
    ]) {
      expect(actual[table].rows).toBeGreaterThan(0);
    }
    expect(actual.quarantined_messages.rows).toBe(result.quarantined);
  }, 600_000);

  it('should pass verify when the ledger was loaded by the fast loader', async () => {
    await expect(verify({ settings, db: loaded.database })).resolves.toBe(0);
  });
});
