// CONTRACT 4: "a new checkpoint at least every CHECKPOINT_INTERVAL_S seconds while the log
// grows"; CONTRACT 5 (v1.1): the apps' role holds only the rights the apps need. It may
// INSERT into ledger_checkpoints (the ingest stores what it signs), so whoever holds
// DATABASE_URL (the API's host, say) can add an unsigned row claiming a tree far beyond
// the log. The checkpointer takes the largest row as its previous checkpoint, finds the
// log no larger and returns without signing: no checkpoint is ever signed again, and
// nothing says so. Reproduce: psql "$DATABASE_URL" -c "INSERT INTO ledger_checkpoints
// (tree_size, root_hash, note) VALUES (1000000000, '\x00', 'forged')", then produce events:
// /tlog/checkpoint and `cli checkpoint` never move again.
import { generateSignerKey, parseSignerKey } from '@scantrail/ledger';
import { appendBatch, CheckpointStore, LedgerLog, type PendingEntry } from '@scantrail/storage';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';

const origin = 'forged-row.test/ledger';
const keys = generateSignerKey(origin);
const signer = parseSignerKey(keys.signerKey);
const log = new LedgerLog(origin);

const entry = (i: number): PendingEntry => ({
  source: 'urn:test:forged-row',
  id: `evt-${i}`,
  type: 'org.scantrail.vendor.registered',
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  subject: `vendor-${i}`,
  data: { vendorId: `vendor-${i}`, name: `Vendor ${i}`, role: 'AI_DEVELOPER' },
  payloadDigest: 'ab'.repeat(32),
});

describe('the checkpointer after an unsigned checkpoint row (real PostgreSQL, apps role)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  const append = (from: number, count: number): Promise<unknown> =>
    db.dataSource.transaction((m) =>
      appendBatch(
        m,
        log,
        Array.from({ length: count }, (_, k) => entry(from + k)),
      ),
    );

  it('should sign the grown log, or refuse loudly, when a row claims a tree beyond the log', async () => {
    const store = new CheckpointStore(db.dataSource, log, signer);
    await append(0, 10);
    expect((await store.checkpointNow())?.treeSize).toBe(10);
    // As the apps' role (db.dataSource), which the API holds as well.
    await db.dataSource.query(
      'INSERT INTO ledger_checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3)',
      [1_000_000_000, Buffer.alloc(32), 'forged\n'],
    );
    await append(10, 10);

    let outcome: number | 'refused' | undefined;
    try {
      outcome = (await store.checkpointNow())?.treeSize;
    } catch {
      outcome = 'refused'; // and said so: the ingest logs it at every tick
    }
    // undefined: nothing was signed and nobody was told.
    expect([20, 'refused']).toContain(outcome);
  });

  it('should serve (API) the newest checkpoint the verifier key opens, passing over and telling unsigned rows', async () => {
    // The forged row of the case above (1,000,000,000 entries) is still there; so is the
    // 10-entry checkpoint signed before it.
    const told: number[] = [];
    const served = new CheckpointStore(db.dataSource, log, undefined, {
      verifierKey: keys.verifierKey,
      onUnsigned: (row) => told.push(row.treeSize),
    });
    const latest = await served.latest();
    expect(latest?.treeSize).toBe(10);
    expect(CheckpointStore.checkNote(latest!, keys.verifierKey, origin)).toBeUndefined();
    expect(told).toEqual([1_000_000_000]);
    // An untrusting reader (the checkpointer, `cli checkpoint`) still sees the newest row.
    expect((await new CheckpointStore(db.dataSource, log).latest())?.treeSize).toBe(1_000_000_000);
  });

  it('should serve the newest row when the key opens none (a rotation before the new key signed)', async () => {
    const other = generateSignerKey(origin);
    const served = new CheckpointStore(db.dataSource, log, undefined, {
      verifierKey: other.verifierKey,
      onUnsigned: () => undefined,
    });
    expect((await served.latest())?.treeSize).toBe(1_000_000_000);
  });
});
