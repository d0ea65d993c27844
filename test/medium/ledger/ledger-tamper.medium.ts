import {
  formatCheckpoint,
  generateSignerKey,
  leafHash,
  signNote,
  parseSignerKey,
  storedHashCount,
  verifyConsistency,
  verifyInclusion,
} from '@scantrail/ledger';
import {
  appendBatch,
  CheckpointStore,
  createDataSource,
  LedgerLog,
  LedgerReader,
  type PendingEntry,
} from '@scantrail/storage';
import { Client } from 'pg';
import {
  databaseCheckpoints,
  databaseEntries,
  databaseStoredHashes,
} from '../../../apps/cli/src/verify/ledger-sources';
import { describeProblem, verifyLedger } from '../../../apps/cli/src/verify/ledger-verifier';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';

const origin = 'tamper.test/ledger';
const signer = parseSignerKey(generateSignerKey(origin).signerKey);
const log = new LedgerLog(origin);

const entry = (i: number): PendingEntry => ({
  source: 'urn:test:tamper',
  id: `evt-${i}`,
  type: 'org.scantrail.vendor.registered',
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  subject: `vendor-${i % 7}`,
  data: { vendorId: `vendor-${i % 7}`, name: `Vendor ${i}`, role: 'AI_DEVELOPER' },
  payloadDigest: 'ab'.repeat(32),
});

describe('ledger in PostgreSQL', () => {
  let db: TestDatabase;
  let superuser: Client;

  const verifyDb = async (savedCheckpoints?: string[]): Promise<string> => {
    const report = await verifyLedger({
      origin,
      verifierKey: signer.verifierKey,
      savedCheckpoints,
      entries: databaseEntries(db.dataSource),
      storedHashes: databaseStoredHashes(db.dataSource),
      checkpoints: await databaseCheckpoints(db.dataSource),
    });
    return report.ok ? 'ok' : describeProblem(report.problem!);
  };

  /** Runs SQL as superuser with the append-only triggers disabled for this session. */
  const tamper = async (sql: string, params: unknown[] = []): Promise<void> => {
    await superuser.query('BEGIN');
    await superuser.query('SET LOCAL session_replication_role = replica');
    await superuser.query(sql, params);
    await superuser.query('COMMIT');
  };

  beforeEach(async () => {
    db = await createTestDatabase();
    superuser = new Client({ connectionString: db.superuserUrl });
    await superuser.connect();
    const store = new CheckpointStore(db.dataSource, log, signer);
    for (const size of [1, 37, 100]) {
      const reader = new LedgerReader(db.dataSource);
      const have = await reader.treeSize();
      await db.dataSource.transaction((m) =>
        appendBatch(
          m,
          log,
          Array.from({ length: size - have }, (_, k) => entry(have + k)),
        ),
      );
      await store.checkpointNow();
    }
  });

  afterEach(async () => {
    await superuser.end();
    await db.drop();
  });

  it('should number entries without gaps and record a re-sent (source, id) once when appended twice', async () => {
    const result = await db.dataSource.transaction((m) =>
      appendBatch(m, log, [entry(5), entry(100), entry(100)]),
    );
    expect(result.duplicates).toBe(2);
    expect(result.appended.map((e) => e.sequence)).toEqual([100]);
    expect(await new LedgerReader(db.dataSource).treeSize()).toBe(101);
  });

  it('should serve proofs that verify independently against the signed roots', async () => {
    const reader = new LedgerReader(db.dataSource);
    const checkpoints = await databaseCheckpoints(db.dataSource);
    expect(checkpoints.map((c) => c.treeSize)).toEqual([1, 37, 100]);
    const e = (await reader.entry(20))!;
    expect(e.leafHash.equals(leafHash(e.leafData))).toBe(true);
    const proof = await reader.inclusionProof(20, 37);
    expect(verifyInclusion(e.leafHash, 20, 37, proof, checkpoints[1].rootHash)).toBe(true);
    const consistency = await reader.consistencyProof(37, 100);
    expect(
      verifyConsistency(37, 100, consistency, checkpoints[1].rootHash, checkpoints[2].rootHash),
    ).toBe(true);
  });

  it.each([
    ['UPDATE', "UPDATE ledger_entries SET subject = 'x' WHERE sequence = 3"],
    ['DELETE', 'DELETE FROM ledger_entries WHERE sequence = 3'],
    ['TRUNCATE', 'TRUNCATE ledger_entries'],
    ['UPDATE of a stored hash', 'UPDATE ledger_hashes SET hash = hash WHERE idx = 0'],
    ['DELETE of a checkpoint', 'DELETE FROM ledger_checkpoints'],
  ])('should refuse %s on ledger tables even to their owner', async (_what, sql) => {
    // The apps' role lacks the privilege anyway (test/database/database-roles.e2e.ts); the
    // triggers stop the role that owns the tables.
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      await expect(owner.query(sql)).rejects.toThrow(/append-only/);
    } finally {
      await owner.end();
    }
  });

  it('should verify an untouched ledger', async () => {
    expect(await verifyDb()).toBe('ok');
  });

  it('should leave no setting behind on the pooled connection when verify has read the entries', async () => {
    // One connection, so the query after the read runs where the entries' COPY ran.
    const single = createDataSource(db.url, { name: 'tamper-single', poolSize: 1 });
    await single.initialize();
    try {
      let read = 0;
      for await (const page of databaseEntries(single)) read += page.leafHashes.length / 32;
      expect(read).toBeGreaterThan(0);
      const [settings] = await single.query<{ sort: string; from: string | null }[]>(
        "SELECT current_setting('enable_sort') AS sort, current_setting('scantrail.verify_from', true) AS from",
      );
      expect(settings.sort).toBe('on');
      expect(settings.from ?? '').toBe('');
    } finally {
      await single.destroy();
    }
  });

  it('should catch a tail cut off with its checkpoints only through a checkpoint saved outside the database', async () => {
    const saved = (await databaseCheckpoints(db.dataSource)).map((c) => c.note);
    await tamper('DELETE FROM ledger_entries WHERE sequence >= 37');
    await tamper('DELETE FROM ledger_hashes WHERE idx >= $1', [storedHashCount(37)]);
    await tamper('DELETE FROM ledger_checkpoints WHERE tree_size > 37');
    // What is left is a consistent, signed log of 37 entries: nothing inside it can tell.
    expect(await verifyDb()).toBe('ok');
    expect(await verifyDb(saved.slice(0, 2))).toBe('ok');
    expect(await verifyDb(saved)).toBe(
      'saved checkpoint 3: it signs 100 entries but the log holds 37: entries it covered are missing',
    );
  });

  it('should name the first bad sequence when one byte of leaf data is changed', async () => {
    await tamper(
      "UPDATE ledger_entries SET leaf_data = replace(leaf_data, 'Vendor 42', 'Vendor 43') WHERE sequence = 42",
    );
    expect(await verifyDb()).toMatch(/^first bad sequence 42:/);
  });

  it('should name the first bad sequence when an entry is deleted', async () => {
    await tamper('DELETE FROM ledger_entries WHERE sequence = 17');
    expect(await verifyDb()).toMatch(/^first bad sequence 17:.*missing/);
  });

  it('should name the first bad sequence when two entries are swapped', async () => {
    await tamper(`UPDATE ledger_entries a SET leaf_data = b.leaf_data, leaf_hash = b.leaf_hash
                    FROM ledger_entries b WHERE (a.sequence, b.sequence) IN ((60, 61), (61, 60))`);
    expect(await verifyDb()).toMatch(/^first bad sequence 60:/);
  });

  it('should name the first bad sequence when a stored leaf hash is replaced', async () => {
    await tamper(
      "UPDATE ledger_entries SET leaf_hash = decode(repeat('00', 32), 'hex') WHERE sequence = 8",
    );
    expect(await verifyDb()).toMatch(/^first bad sequence 8:/);
  });

  it('should name the sequences covered when a stored Merkle hash is replaced', async () => {
    await tamper("UPDATE ledger_hashes SET hash = decode(repeat('11', 32), 'hex') WHERE idx = 10");
    expect(await verifyDb()).toMatch(/^first bad sequence \d+: stored Merkle hash 10/);
  });

  it('should find a rewritten history even when every hash after the edit is recomputed', async () => {
    // The forger rewrites entry 90 and re-chains everything after it: only checkpoints catch it.
    const rows = (await superuser.query(
      'SELECT sequence, leaf_data FROM ledger_entries WHERE sequence >= 90 ORDER BY sequence',
    )) as {
      rows: { sequence: string; leaf_data: string }[];
    };
    const { chainHash } = await import('@scantrail/ledger');
    const prev = (await superuser.query(
      'SELECT chain_hash FROM ledger_entries WHERE sequence = 89',
    )) as { rows: { chain_hash: Buffer }[] };
    let chain = prev.rows[0].chain_hash;
    for (const row of rows.rows) {
      const data =
        Number(row.sequence) === 90
          ? row.leaf_data.replace('Vendor 90', 'Vendor 99')
          : row.leaf_data;
      const leaf = leafHash(data);
      chain = chainHash(chain, leaf);
      await tamper(
        'UPDATE ledger_entries SET leaf_data = $1, leaf_hash = $2, chain_hash = $3 WHERE sequence = $4',
        [data, leaf, chain, row.sequence],
      );
    }
    expect(await verifyDb()).toMatch(
      /first bad sequence \d+: stored Merkle hash|bad checkpoint at tree size 100/,
    );
  });

  it('should reject a forged checkpoint', async () => {
    const forger = parseSignerKey(generateSignerKey(origin).signerKey);
    const reader = new LedgerReader(db.dataSource);
    const rootHash = await reader.rootHash(50);
    await tamper(
      'INSERT INTO ledger_checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3)',
      [50, rootHash, signNote(formatCheckpoint({ origin, size: 50, rootHash }), forger)],
    );
    expect(await verifyDb()).toMatch(/^bad checkpoint at tree size 50: signature/);
  });
});
