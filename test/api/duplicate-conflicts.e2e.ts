// Re-used event ids (CONTRACT 1: "a duplicate is neither recorded again nor quarantined"):
// the first copy stays in the ledger, a copy with other content is dropped, and the API
// shows auditors and privacy officers each one that was dropped (duplicateConflicts):
// where it sat in Kafka, the entry it did not replace and the SHA-256 of its bytes, never
// the bytes. Vendors may not read it. Real PostgreSQL, the ingest's own batch recorder.
import { createHash } from 'node:crypto';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import type { DuplicateConflictsQuery } from '../../apps/dashboard/src/api/graphql-types.generated';
import { DUPLICATE_CONFLICTS } from '../../apps/dashboard/src/quarantine/quarantine.document';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { startTestApi } from '../support/e2e-stack';
import { roleTokens } from '../support/role-token';

const settings = testSettings();
let db: TestDatabase;
let api: RunningApi;

const token = roleTokens(settings.authJwtSecret, 'conflicts');

type Page = DuplicateConflictsQuery['duplicateConflicts'];

/** The dashboard's own document (every field of a conflict), as `bearer`. */
async function ask(
  bearer: string,
  first: number,
  after: string | null,
): Promise<{ data?: { duplicateConflicts: Page }; errors?: { extensions?: { code?: string } }[] }> {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query: DUPLICATE_CONFLICTS, variables: { first, after } }),
  });
  return (await response.json()) as never;
}

const vendor = cloudEvent(
  'org.scantrail.vendor.registered',
  exampleData('org.scantrail.vendor.registered', { vendorId: 'vnd-conflicts', name: 'First' }),
);
// The same (source, id), other content: a rewrite of the recorded vendor.
const rewrite = { ...vendor, data: { ...vendor.data, name: 'Rewritten' } };
// Re-published as is (other formatting, same content): a plain duplicate, not a conflict.
const republished = Buffer.from(JSON.stringify(vendor, null, 2));
const study = cloudEvent(
  'org.scantrail.study.registered',
  exampleData('org.scantrail.study.registered', { studyInstanceUid: '2.25.90901' }),
);
const studyRewrite = { ...study, time: '2024-05-02T00:00:00Z' };
// A time RFC 3339 allows, with a fraction of 10,000 digits, and an id of 5,000 characters.
const longTime = `2024-05-01T12:00:00.${'1'.repeat(10_000)}Z`;
const longId = cloudEvent(
  'org.scantrail.vendor.registered',
  exampleData('org.scantrail.vendor.registered', { vendorId: 'vnd-long', name: 'Long' }),
  { id: `evt-${'x'.repeat(5_000)}` },
);
const longRewrite = { ...longId, time: longTime };
const digest = (value: object): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex');

beforeAll(async () => {
  db = await createTestDatabase();
  const recorder = new DirectRecorder(db.dataSource, settings);
  // Offsets 0-1; then 2-3; then 4-5 with the study and its rewrite in one batch.
  await recorder.record([vendor, rewrite]);
  await recorder.record([republished, rewrite]);
  await recorder.record([study, studyRewrite]);
  // Offsets 6-7: kept in part only.
  await recorder.record([longId, longRewrite]);
  api = await startTestApi(settings, db.dataSource);
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('duplicateConflicts', () => {
  it('should list each copy dropped for other content, with the entry it did not replace, oldest first', async () => {
    const answer = await ask(token(['auditor']), 10, null);
    expect(answer.errors).toBeUndefined();
    const page = answer.data!.duplicateConflicts;
    expect(page.totalCount).toBe(4);
    const sequences = await db.dataSource.query<{ id: string; sequence: string }[]>(
      'SELECT event_id AS id, sequence::text AS sequence FROM ledger_entries ORDER BY sequence',
    );
    const sequenceOf = (id: string): number => Number(sequences.find((s) => s.id === id)?.sequence);
    expect(page.edges.map((e) => ({ ...e.node, detectedAt: typeof e.node.detectedAt }))).toEqual([
      {
        topic: 'direct',
        partition: 0,
        offset: '1',
        source: vendor.source,
        eventId: vendor.id,
        eventType: vendor.type,
        eventTime: vendor.time,
        recordedSequence: sequenceOf(vendor.id),
        payloadDigest: digest(rewrite),
        detectedAt: 'string',
      },
      expect.objectContaining({ offset: '3', recordedSequence: sequenceOf(vendor.id) }),
      expect.objectContaining({
        offset: '5',
        eventId: study.id,
        eventTime: '2024-05-02T00:00:00Z',
        // The first copy, recorded in the same batch.
        recordedSequence: sequenceOf(study.id),
        payloadDigest: digest(studyRewrite),
      }),
      expect.objectContaining({
        offset: '7',
        recordedSequence: sequenceOf(longId.id),
        payloadDigest: digest(longRewrite),
      }),
    ]);
    // A refused copy's long id and time are kept cut, ending in an ellipsis.
    const long = page.edges[3].node;
    expect(long.eventTime).toBe(`${longTime.slice(0, 63)}\u2026`);
    expect(long.eventId).toBe(`${longId.id.slice(0, 511)}\u2026`);
    // The first copies stayed, recorded once each.
    expect(sequences.map((s) => s.id)).toEqual([vendor.id, study.id, longId.id]);
  });

  it('should page through them', async () => {
    const first = (await ask(token(['privacy_officer']), 2, null)).data!.duplicateConflicts;
    expect(first.edges.map((e) => e.node.offset)).toEqual(['1', '3']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await ask(token(['privacy_officer']), 2, first.pageInfo.endCursor)).data!
      .duplicateConflicts;
    expect(rest.edges.map((e) => e.node.offset)).toEqual(['5', '7']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('should refuse vendors, as the quarantine', async () => {
    const answer = await ask(token(['vendor'], 'vnd-conflicts'), 10, null);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('should keep them as history: the apps cannot change or remove one', async () => {
    await expect(
      db.dataSource.query("UPDATE ingest_duplicate_conflicts SET source = 'x'"),
    ).rejects.toThrow();
    await expect(db.dataSource.query('DELETE FROM ingest_duplicate_conflicts')).rejects.toThrow();
  });
});
