import { randomBytes } from 'node:crypto';
import { demoEvents } from '@scantrail/demo';
import {
  chainHash,
  encodeLeafData,
  leafHash,
  MAX_ENTRY_LENGTH,
  merkleTreeHash,
  ZERO_CHAIN_HASH,
} from '@scantrail/ledger';
import {
  appendBatch,
  createDataSource,
  LedgerLog,
  LedgerReader,
  prepareLeafData,
  type PendingEntry,
  type RecordedEntry,
} from '@scantrail/storage';
import { Client } from 'pg';
import { pendingEntryOf } from '../../../apps/ingest/src/pending-entry';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';

const log = new LedgerLog('append.test/ledger');

const entry = (i: number, time: string): PendingEntry => ({
  source: 'urn:test:append',
  id: `evt-${i}`,
  type: 'org.scantrail.vendor.registered',
  time,
  subject: `vendor-${i % 5}`,
  data: { vendorId: `vendor-${i % 5}`, name: `Vendor ${i} \u00e9\u4e2d`, role: 'AI_DEVELOPER' },
  payloadDigest: 'cd'.repeat(32),
});

// Times a binary COPY must store exactly as PostgreSQL reads the text: offsets, microsecond
// fractions, a leap day; and ones only PostgreSQL can read (a leap second, 7 digits).
const PLAIN_TIMES = [
  '2026-01-01T00:00:00Z',
  '2024-02-29T23:59:59.999999+14:00',
  '1999-12-31T19:00:00.5-05:00',
  '2026-06-30t12:00:00.000001z',
  '2026-03-01 08:15:00+01:30',
];
const PG_ONLY_TIMES = ['2016-12-31T23:59:60Z', '2026-01-01T00:00:00.1234567Z'];

describe('appendBatch by binary COPY', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await db.drop();
  });

  const append = (entries: PendingEntry[]) =>
    db.dataSource.transaction('READ COMMITTED', (m) => appendBatch(m, log, entries));

  const mismatchedInstants = async (): Promise<number> => {
    const rows = await db.dataSource.query<{ n: string }[]>(
      'SELECT count(*)::text AS n FROM ledger_entries WHERE occurred_at IS DISTINCT FROM time::timestamptz',
    );
    return Number(rows[0].n);
  };

  it('should store occurred_at exactly as PostgreSQL reads each time when the batch is copied', async () => {
    const result = await append(PLAIN_TIMES.map((t, i) => entry(i, t)));
    expect(result.appended.map((e) => e.sequence)).toEqual([0, 1, 2, 3, 4]);
    expect(await mismatchedInstants()).toBe(0);
  });

  it('should store the same instants when a batch holds a time only PostgreSQL can read', async () => {
    await append([...PLAIN_TIMES, ...PG_ONLY_TIMES].map((t, i) => entry(i, t)));
    expect(await new LedgerReader(db.dataSource).treeSize()).toBe(7);
    expect(await mismatchedInstants()).toBe(0);
  });

  it('should record each (source, id) once when it repeats within a batch and across batches', async () => {
    const first = await append([entry(0, PLAIN_TIMES[0]), entry(1, PLAIN_TIMES[1])]);
    expect(first.duplicates).toBe(0);
    const second = await append([
      entry(1, PLAIN_TIMES[1]),
      entry(2, PLAIN_TIMES[2]),
      entry(2, PLAIN_TIMES[2]),
      entry(0, PLAIN_TIMES[0]),
      entry(3, PLAIN_TIMES[3]),
    ]);
    expect(second.duplicates).toBe(3);
    expect(second.appended.map((e) => [e.sequence, e.id])).toEqual([
      [2, 'evt-2'],
      [3, 'evt-3'],
    ]);
    const ids = await db.dataSource.query<{ event_id: string }[]>(
      'SELECT event_id FROM ledger_entries ORDER BY sequence',
    );
    expect(ids.map((r) => r.event_id)).toEqual(['evt-0', 'evt-1', 'evt-2', 'evt-3']);
  });

  it('should name the duplicates whose content differs from the entry kept, not those that differ only in their bytes, in the checked and the unchecked way', async () => {
    const other = (e: PendingEntry): PendingEntry => ({
      ...e,
      data: { ...(e.data as Record<string, unknown>), name: 'Other' },
    });
    const reformatted = (e: PendingEntry): PendingEntry => ({
      ...e,
      payloadDigest: 'ef'.repeat(32),
    });
    await append([entry(0, PLAIN_TIMES[0]), entry(1, PLAIN_TIMES[1])]);
    const b2 = entry(2, PLAIN_TIMES[2]);
    const b2other = other(b2);
    const a0other = other(entry(0, PLAIN_TIMES[0]));
    const second = await append([
      a0other, // recorded at 0 with other content
      reformatted(entry(1, PLAIN_TIMES[1])), // recorded at 1: the same event, other bytes
      b2,
      b2other, // b2 again in the batch, other content
      reformatted(b2), // b2 again, other bytes only
    ]);
    expect(second.duplicates).toBe(4);
    expect(second.appended.map((e) => e.id)).toEqual(['evt-2']);
    expect(second.conflicts).toEqual([{ entry: b2other }, { entry: a0other, recordedSequence: 0 }]);
    // Past the unchecked threshold: the conflicting duplicate sends the batch the checked way.
    let next = 3;
    for (let b = 0; b < 10; b++) {
      const run = await append([entry(next, PLAIN_TIMES[0])]);
      expect(run.conflicts).toEqual([]);
      next += 1;
    }
    const late = other(entry(1, PLAIN_TIMES[1]));
    const third = await append([entry(next, PLAIN_TIMES[0]), late]);
    expect(third.appended.map((e) => e.sequence)).toEqual([next]);
    expect(third.conflicts).toEqual([{ entry: late, recordedSequence: 1 }]);
    const stored = await db.dataSource.query<{ leaf_data: string }[]>(
      'SELECT leaf_data FROM ledger_entries WHERE sequence IN (0, 1) ORDER BY sequence',
    );
    expect(
      stored.map((r) => (JSON.parse(r.leaf_data) as { data: { name: string } }).data.name),
    ).not.toContain('Other');
  });

  it('should compare a copy of a recorded event with the entry recorded, whichever copy of the batch comes first', async () => {
    await append([entry(0, PLAIN_TIMES[0])]);
    const rewritten: PendingEntry = {
      ...entry(0, PLAIN_TIMES[0]),
      data: { ...(entry(0, PLAIN_TIMES[0]).data as Record<string, unknown>), name: 'Other' },
    };
    const faithful = { ...entry(0, PLAIN_TIMES[0]), payloadDigest: 'ef'.repeat(32) };
    const result = await append([rewritten, faithful, entry(1, PLAIN_TIMES[1])]);
    expect(result.appended.map((e) => e.id)).toEqual(['evt-1']);
    expect(result.duplicates).toBe(2);
    // The faithful re-publication is no rewrite, though it differs from the batch's first copy.
    expect(result.conflicts).toEqual([{ entry: rewritten, recordedSequence: 0 }]);
  });

  it('should record the copy that fits when an earlier copy of the batch is too large for any entry, as two batches would', async () => {
    const tooLarge = prepareLeafData({
      ...entry(0, PLAIN_TIMES[0]),
      data: { vendorId: 'vendor-0', name: 'x'.repeat(MAX_ENTRY_LENGTH), role: 'AI_DEVELOPER' },
    });
    const fits = prepareLeafData(entry(0, PLAIN_TIMES[0]));
    const result = await append([tooLarge, fits]);
    expect(result.oversized.map((o) => o.entry)).toEqual([tooLarge]);
    expect(result.appended.map((e) => [e.sequence, e.id])).toEqual([[0, 'evt-0']]);
    expect(result.duplicates).toBe(0);
    expect(result.conflicts).toEqual([]);
  });

  it('should still record each (source, id) once when a long run of new batches skips the duplicate check', async () => {
    // Enough batches of new entries that later ones go in without the duplicate check.
    let next = 0;
    for (let b = 0; b < 12; b++) {
      const result = await append([0, 1, 2].map((k) => entry(next + k, PLAIN_TIMES[k])));
      expect(result.appended.map((e) => e.sequence)).toEqual([next, next + 1, next + 2]);
      next += 3;
    }
    const again = await append([entry(next, PLAIN_TIMES[0]), entry(4, PLAIN_TIMES[4])]);
    expect(again.duplicates).toBe(1);
    expect(again.appended.map((e) => [e.sequence, e.id])).toEqual([[next, `evt-${next}`]]);
    const after = await append([entry(next + 1, PLAIN_TIMES[1])]);
    expect(after.appended.map((e) => e.sequence)).toEqual([next + 1]);
    const reader = new LedgerReader(db.dataSource);
    expect(await reader.treeSize()).toBe(next + 2);
    const leaves = await db.dataSource.query<{ leaf_hash: Buffer; event_id: string }[]>(
      'SELECT leaf_hash, event_id FROM ledger_entries ORDER BY sequence',
    );
    expect(new Set(leaves.map((l) => l.event_id)).size).toBe(next + 2);
    expect(
      (await reader.rootHash(next + 2)).equals(merkleTreeHash(leaves.map((l) => l.leaf_hash))),
    ).toBe(true);
  });

  it('should record each (source, id) once when an unchecked batch sent in parts meets a recorded event in its first or last part', async () => {
    // Batches of 450 (sent to the COPY in parts) until later ones skip the duplicate check.
    let next = 0;
    const batchOf = (count: number): PendingEntry[] =>
      Array.from({ length: count }, (_, k) => entry(next + k, PLAIN_TIMES[k % PLAIN_TIMES.length]));
    for (let b = 0; b < 10; b++) {
      const result = await append(batchOf(450));
      expect(result.appended).toHaveLength(450);
      next += 450;
    }
    let size = next;
    for (const at of [3, 597]) {
      const batch = batchOf(600);
      batch[at] = entry(at * 7, PLAIN_TIMES[0]); // recorded by an earlier batch
      const result = await append(batch);
      expect(result.duplicates).toBe(1);
      expect(result.appended.map((e) => e.sequence)).toEqual(
        Array.from({ length: 599 }, (_, k) => size + k),
      );
      next += 600;
      size += 599;
      // The batch after it is numbered from the checked batch's end.
      const after = await append(batchOf(1));
      expect(after.appended.map((e) => e.sequence)).toEqual([size]);
      next += 1;
      size += 1;
    }
    const reader = new LedgerReader(db.dataSource);
    expect(await reader.treeSize()).toBe(size);
    const leaves = await db.dataSource.query<
      { leaf_hash: Buffer; event_id: string; leaf_data: string; chain_hash: Buffer }[]
    >('SELECT leaf_hash, event_id, leaf_data, chain_hash FROM ledger_entries ORDER BY sequence');
    expect(new Set(leaves.map((l) => l.event_id)).size).toBe(size);
    // Every leaf hash is its leaf data's, and every chain hash follows from the one before.
    let chain = ZERO_CHAIN_HASH;
    const broken = leaves.filter((l) => {
      const leaf = leafHash(l.leaf_data);
      chain = chainHash(chain, leaf);
      return !leaf.equals(l.leaf_hash) || !chain.equals(l.chain_hash);
    });
    expect(broken).toEqual([]);
    expect(
      (await reader.rootHash(size)).equals(merkleTreeHash(leaves.map((l) => l.leaf_hash))),
    ).toBe(true);
  });

  it('should record each (source, id) once when two processes past the unchecked threshold write the same log and resend each other’s events', async () => {
    // Two ingest instances: their own pools and their own LedgerLog objects (so their own
    // tips), both past the threshold after which a batch skips the duplicate check.
    const other = createDataSource(db.url, { name: 'second-instance', poolSize: 2 });
    await other.initialize();
    try {
      const instances = [
        { source: db.dataSource, log: new LedgerLog('append.test/ledger') },
        { source: other, log: new LedgerLog('append.test/ledger') },
      ];
      const appendAs = (k: number, entries: PendingEntry[]) =>
        instances[k].source.transaction('READ COMMITTED', (m) =>
          appendBatch(m, instances[k].log, entries),
        );
      // Each alone first (the other idle), 10 clean batches: each one's tip is the head.
      let next = 0;
      for (const k of [0, 1]) {
        for (let b = 0; b < 10; b++) {
          await appendAs(k, [entry(next, PLAIN_TIMES[0]), entry(next + 1, PLAIN_TIMES[1])]);
          next += 2;
        }
      }
      // Instance 1's tip is the head: it goes on unchecked, and gets events instance 0
      // recorded (a producer's retry on another partition), beside new ones.
      const resent = await appendAs(1, [entry(3, PLAIN_TIMES[3]), entry(next, PLAIN_TIMES[2])]);
      expect(resent.duplicates).toBe(1);
      expect(resent.appended.map((e) => e.id)).toEqual([`evt-${next}`]);
      next += 1;
      // Both at once, many rounds, each batch new events plus the other's latest ones.
      for (let round = 0; round < 12; round++) {
        const base = next;
        next += 4;
        const results = await Promise.all([
          appendAs(0, [
            entry(base, PLAIN_TIMES[0]),
            entry(base + 1, PLAIN_TIMES[1]),
            entry(base + 2, PLAIN_TIMES[2]),
          ]),
          appendAs(1, [
            entry(base + 2, PLAIN_TIMES[2]),
            entry(base + 3, PLAIN_TIMES[3]),
            entry(base, PLAIN_TIMES[0]),
          ]),
        ]);
        const recorded = results.flatMap((r) => r.appended.map((e) => e.id)).sort();
        expect(recorded).toEqual([0, 1, 2, 3].map((k) => `evt-${base + k}`).sort());
        expect(results[0].duplicates + results[1].duplicates).toBe(2);
      }
      const reader = new LedgerReader(db.dataSource);
      expect(await reader.treeSize()).toBe(next);
      const leaves = await db.dataSource.query<{ leaf_hash: Buffer; event_id: string }[]>(
        'SELECT leaf_hash, event_id FROM ledger_entries ORDER BY sequence',
      );
      expect(new Set(leaves.map((l) => l.event_id)).size).toBe(next);
      expect(
        (await reader.rootHash(next)).equals(merkleTreeHash(leaves.map((l) => l.leaf_hash))),
      ).toBe(true);
    } finally {
      await other.destroy();
    }
  });

  it('should keep leaf data, chain and stored subtree hashes that match a tree rebuilt from the leaves', async () => {
    const sizes = [1, 2, 5, 64, 130, 1000];
    let next = 0;
    for (const size of sizes) {
      await append(Array.from({ length: size }, (_, k) => entry(next + k, PLAIN_TIMES[k % 5])));
      next += size;
    }
    const reader = new LedgerReader(db.dataSource);
    const total = await reader.treeSize();
    expect(total).toBe(next);
    const leaves = await db.dataSource.query<{ leaf_hash: Buffer; leaf_data: string }[]>(
      'SELECT leaf_hash, leaf_data FROM ledger_entries ORDER BY sequence',
    );
    expect(JSON.parse(leaves[777].leaf_data)).toMatchObject({ sequence: 777, id: 'evt-777' });
    for (const size of [1, 3, 8, 201, total]) {
      expect(
        (await reader.rootHash(size)).equals(
          merkleTreeHash(leaves.slice(0, size).map((l) => l.leaf_hash)),
        ),
      ).toBe(true);
    }
  });

  it('should store and return for the demo stream the leaf data, leaf hash and chain the entry fields give, whichever way each batch goes', async () => {
    // Demo events as ingest builds them, in batches of 300: the first batches are checked,
    // the later ones go unchecked, numbered and encoded into the COPY part by part. One
    // entry too long for an entry bundle sits in an unchecked batch's second part.
    const key = randomBytes(32);
    const entries: PendingEntry[] = [];
    for (const message of demoEvents({ events: 4000, seed: 17 })) {
      if (message.kind !== 'event') continue;
      const prepared = pendingEntryOf(message.value, key);
      if ('entry' in prepared) entries.push(prepared.entry);
    }
    const oversized = {
      ...entries[3250],
      id: 'too-long',
      data: { note: 'x'.repeat(MAX_ENTRY_LENGTH) },
    };
    entries.splice(3250, 0, oversized);
    const returned: RecordedEntry[] = [];
    let refused: PendingEntry[] = [];
    for (let i = 0; i < entries.length; i += 300) {
      const result = await append(entries.slice(i, i + 300));
      returned.push(...result.appended);
      refused = refused.concat(result.oversized.map((o) => o.entry));
    }
    expect(refused).toEqual([oversized]);
    const stored = await db.dataSource.query<
      {
        sequence: string;
        event_id: string;
        leaf_data: string;
        leaf_hash: Buffer;
        chain_hash: Buffer;
      }[]
    >(
      'SELECT e.sequence::text, e.event_id, e.leaf_data, e.leaf_hash, e.chain_hash FROM ledger_entries e ORDER BY e.sequence',
    );
    // The demo stream resends some events: each (source, id) is recorded once, first come.
    const seen = new Set<string>();
    const expected = entries.filter((e) => {
      const key = `${e.source} ${e.id}`;
      if (e === oversized || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    expect(stored).toHaveLength(expected.length);
    let chain = ZERO_CHAIN_HASH;
    expected.forEach((e, sequence) => {
      const leafData = encodeLeafData({ ...e, sequence });
      const leaf = leafHash(leafData);
      chain = chainHash(chain, leaf);
      const row = stored[sequence];
      expect([row.sequence, row.event_id, row.leaf_data]).toEqual([
        String(sequence),
        e.id,
        leafData,
      ]);
      expect(row.leaf_hash.equals(leaf) && row.chain_hash.equals(chain)).toBe(true);
      const got = returned[sequence];
      expect([got.sequence, got.id, got.leafData]).toEqual([sequence, e.id, leafData]);
      expect(got.leafHash.equals(leaf) && got.chainHash.equals(chain)).toBe(true);
    });
    const reader = new LedgerReader(db.dataSource);
    expect(
      (await reader.rootHash(expected.length)).equals(
        merkleTreeHash(stored.map((r) => r.leaf_hash)),
      ),
    ).toBe(true);
  });

  it('should store, from entries whose leaf template was made beforehand, the bytes and hashes encodeLeafData gives, beyond ASCII and past the unchecked threshold', async () => {
    // Prepared as the ingest prepares them (prepareLeafData): names of two and three UTF-8
    // bytes a character and a four-byte one, in batches of 250, the later ones unchecked
    // (numbered and encoded into the COPY part by part, the leaf copied from the prepared
    // bytes); one prepared entry too long for an entry bundle in an unchecked batch.
    const names = ['\u00e9', '\u4e2d\u6587', '\u{1f9e0} scan', 'plain'];
    const entries: PendingEntry[] = Array.from({ length: 3000 }, (_, i) =>
      prepareLeafData({
        ...entry(i, PLAIN_TIMES[i % 5]),
        data: { vendorId: `vendor-${i % 5}`, name: `${names[i % 4]} ${i}`, role: 'AI_DEVELOPER' },
      }),
    );
    const oversized = prepareLeafData({
      ...entry(99_999, PLAIN_TIMES[0]),
      data: { note: '\u00e9'.repeat(MAX_ENTRY_LENGTH / 2) },
    });
    entries.splice(2600, 0, oversized);
    const refused: PendingEntry[] = [];
    for (let i = 0; i < entries.length; i += 250) {
      const result = await append(entries.slice(i, i + 250));
      refused.push(...result.oversized.map((o) => o.entry));
    }
    expect(refused).toEqual([oversized]);
    const expected = entries.filter((e) => e !== oversized);
    const stored = await db.dataSource.query<
      { leaf_data: string; leaf_hash: Buffer; chain_hash: Buffer }[]
    >('SELECT leaf_data, leaf_hash, chain_hash FROM ledger_entries ORDER BY sequence');
    expect(stored).toHaveLength(expected.length);
    let chain = ZERO_CHAIN_HASH;
    const wrong = expected.flatMap((e, sequence) => {
      const leafData = encodeLeafData({ ...e, sequence });
      chain = chainHash(chain, leafHash(leafData));
      const row = stored[sequence];
      return row.leaf_data === leafData &&
        row.leaf_hash.equals(leafHash(leafData)) &&
        row.chain_hash.equals(chain)
        ? []
        : [sequence];
    });
    expect(wrong).toEqual([]);
  });

  it('should refuse a change to a copied row when the append-only trigger applies', async () => {
    await append([entry(0, PLAIN_TIMES[0])]);
    // As the owner: the apps' role has no UPDATE right to begin with.
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      await expect(
        owner.query("UPDATE ledger_entries SET subject = 'x' WHERE sequence = 0"),
      ).rejects.toThrow(/append-only/);
    } finally {
      await owner.end();
    }
  });

  it('should refuse to run outside a transaction', async () => {
    await expect(
      appendBatch(db.dataSource.manager, log, [entry(0, PLAIN_TIMES[0])]),
    ).rejects.toThrow(/inside a transaction/);
  });
});
