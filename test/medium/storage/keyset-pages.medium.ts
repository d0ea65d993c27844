import { DuplicateConflictStore, QuarantineStore } from '@scantrail/storage';
import { connectedClient, createTestDatabase, type TestDatabase } from '../../support/test-env';

/**
 * Keyset pages over ids past 9 (found by a helper's attack, session 26): the re-used event
 * ids (`duplicateConflicts`) and the quarantine replay (`cli quarantine-replay`) selected
 * `id::text AS id ... ORDER BY id`, and a bare ORDER BY names the select list's text alias:
 * ids sorted as text ("10" before "9"), and the page's last id, the next cursor, jumped past
 * rows never returned (25 re-used ids in pages of 10 gave 1, 10-19, 20-25; 1,200 quarantined
 * messages replayed in pages of 500 sent 1,734 messages, 69 never).
 */
describe('keyset pages past id 9 (medium: PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

  it('should give every re-used event id once, in id order, ten a page', async () => {
    const writer = await connectedClient(db.url);
    try {
      await writer.query(
        `INSERT INTO ingest_duplicate_conflicts (topic, partition, kafka_offset, source, event_id,
           event_type, event_time, recorded_sequence, payload_digest)
         SELECT 't', 0, g, 's', 'e-' || g, 'org.scantrail.study.registered',
                '2024-01-01T00:00:00Z', 1, 'd'
           FROM generate_series(1, 25) g`,
      );
    } finally {
      await writer.end();
    }
    const store = new DuplicateConflictStore();
    const seen: number[] = [];
    let after = 0;
    for (let pages = 0; pages < 10; pages++) {
      const { conflicts, more } = await store.page(db.dataSource, after, 10);
      seen.push(...conflicts.map((c) => c.id));
      if (!more || conflicts.length === 0) break;
      after = conflicts[conflicts.length - 1].id;
    }
    expect(seen).toEqual(upTo(25));
  });

  it('should give a replay every quarantined message of a category once, in id order, 500 a page', async () => {
    const writer = await connectedClient(db.url);
    try {
      await writer.query(
        `INSERT INTO quarantined_messages (topic, partition, kafka_offset, reason, raw_key, raw_value)
         SELECT 't', 0, g, 'not_json: x', NULL, '\\x7b'::bytea FROM generate_series(1, 1200) g`,
      );
    } finally {
      await writer.end();
    }
    const store = new QuarantineStore();
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = await store.ofCategory(
        db.dataSource,
        'not_json',
        after,
        Number.MAX_SAFE_INTEGER,
        500,
      );
      seen.push(...page.map((m) => m.id));
      if (page.length < 500) break;
      after = page[page.length - 1].id;
    }
    expect(seen).toEqual(upTo(1200));
  });
});
