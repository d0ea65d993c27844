import {
  canonicalJson,
  chainHash,
  formatCheckpoint,
  generateSignerKey,
  hashesToAppend,
  leafHash,
  merkleTreeHash,
  parseSignerKey,
  signNote,
  storedHashCount,
  storedHashIndex,
  ZERO_CHAIN_HASH,
} from '@scantrail/ledger';
import {
  verifyLedger,
  type CheckpointRecord,
  type EntryPage,
  type StoredHashPage,
} from './ledger-verifier';
import fc from 'fast-check';

const ORIGIN = 'scantrail.test/ledger';

const texts = [0, 1, 2, 3, 4, 5].map((sequence) =>
  canonicalJson({ sequence, source: 'urn:test', id: `e${sequence}`, data: { n: sequence } }),
);
const leaves = texts.map((t) => leafHash(t));

async function* entries(): AsyncIterable<EntryPage> {
  let chain = ZERO_CHAIN_HASH;
  const chains = leaves.map((l) => (chain = chainHash(chain, l)));
  yield await Promise.resolve({
    first: 0,
    leafData: texts,
    leafHashes: Buffer.concat(leaves),
    chainHashes: Buffer.concat(chains),
  });
}

/** A checkpoint of the first `size` entries signed with `signerKey`. */
function checkpoint(size: number, signerKey: string): CheckpointRecord {
  const rootHash = merkleTreeHash(leaves.slice(0, size));
  const text = formatCheckpoint({ origin: ORIGIN, size, rootHash });
  return { treeSize: size, rootHash, note: signNote(text, parseSignerKey(signerKey)) };
}

// The same signer name before and after a rotation, as an operator would keep it.
const before = generateSignerKey(ORIGIN);
const after = generateSignerKey(ORIGIN);

const verify = (checkpoints: CheckpointRecord[], retiredVerifierKeys?: string[]) =>
  verifyLedger({
    origin: ORIGIN,
    verifierKey: after.verifierKey,
    retiredVerifierKeys,
    entries: entries(),
    checkpoints,
    workers: 0,
  });

describe('verifyLedger across a signing-key rotation', () => {
  const rotated = [
    checkpoint(2, before.signerKey),
    checkpoint(4, before.signerKey),
    checkpoint(6, after.signerKey),
  ];

  it('should accept checkpoints from before the rotation when given the retired key', async () => {
    const report = await verify(rotated, [before.verifierKey]);
    expect(report.problem).toBeUndefined();
    expect(report).toMatchObject({ ok: true, entries: 6, checkpoints: 3 });
  });

  it('should name the first checkpoint the current key cannot verify when no retired key is given', async () => {
    const report = await verify(rotated);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'checkpoint', treeSize: 2 });
    expect(report.problem?.message).toMatch(/^signature does not verify/);
  });

  it('should refuse a retired-key checkpoint after one signed with the current key', async () => {
    const report = await verify(
      [
        checkpoint(2, after.signerKey),
        checkpoint(4, before.signerKey),
        checkpoint(6, after.signerKey),
      ],
      [before.verifierKey],
    );
    expect(report.problem).toEqual({
      kind: 'checkpoint',
      treeSize: 4,
      message: 'signed with a retired key after a checkpoint signed with the current key',
    });
  });

  it('should refuse a newest checkpoint signed with a retired key (a leaked old key cannot extend history)', async () => {
    const report = await verify(
      [checkpoint(2, before.signerKey), checkpoint(6, before.signerKey)],
      [before.verifierKey],
    );
    expect(report.problem).toEqual({
      kind: 'checkpoint',
      treeSize: 6,
      message: 'the newest checkpoint is signed with a retired key, not the current one',
    });
  });

  it('should refuse a checkpoint signed by neither key', async () => {
    const stranger = generateSignerKey(ORIGIN);
    const report = await verify(
      [checkpoint(2, stranger.signerKey), checkpoint(6, after.signerKey)],
      [before.verifierKey],
    );
    expect(report.problem).toMatchObject({ kind: 'checkpoint', treeSize: 2 });
    expect(report.problem?.message).toMatch(
      /^signature does not verify with the current or a retired key/,
    );
  });
});

describe('verifyLedger against a checkpoint saved outside the database', () => {
  const stored = [checkpoint(6, after.signerKey)];
  const check = (saved: string[]) =>
    verifyLedger({
      origin: ORIGIN,
      verifierKey: after.verifierKey,
      retiredVerifierKeys: [before.verifierKey],
      entries: entries(),
      checkpoints: stored,
      savedCheckpoints: saved,
      workers: 0,
    });

  it('should pass when the log still holds the trees an auditor saved, before and after a rotation', async () => {
    const report = await check([
      checkpoint(3, before.signerKey).note,
      checkpoint(5, after.signerKey).note,
    ]);
    expect(report.problem).toBeUndefined();
  });

  it('should fail when the log is shorter than a saved checkpoint (a restore lost entries)', async () => {
    const longer = [...leaves, leafHash('a seventh entry the restore lost')];
    const text = formatCheckpoint({ origin: ORIGIN, size: 7, rootHash: merkleTreeHash(longer) });
    const report = await check([signNote(text, parseSignerKey(after.signerKey))]);
    expect(report.problem).toEqual({
      kind: 'saved-checkpoint',
      index: 0,
      message: 'it signs 7 entries but the log holds 6: entries it covered are missing',
    });
  });

  it('should fail when the saved tree differs from the log (history rewritten before the backup)', async () => {
    const other = [leaves[0], leafHash('not the entry that was signed'), leaves[2]];
    const text = formatCheckpoint({ origin: ORIGIN, size: 3, rootHash: merkleTreeHash(other) });
    const report = await check([signNote(text, parseSignerKey(after.signerKey))]);
    expect(report.problem).toEqual({
      kind: 'saved-checkpoint',
      index: 0,
      message: "the log's first 3 entries are not the ones it signed",
    });
  });

  it('should fail when a saved note is not signed by a known key', async () => {
    const report = await check([checkpoint(3, generateSignerKey(ORIGIN).signerKey).note]);
    expect(report.problem).toMatchObject({ kind: 'saved-checkpoint', index: 0 });
    expect(report.problem?.message).toMatch(/^does not verify/);
  });
});

describe('verifyLedger against stored Merkle hashes', () => {
  // 45 entries in pages of 7 (pages end inside subtrees), stored hashes as appendBatch
  // writes them (hashesToAppend), handed over in pages of 10.
  const count = 45;
  const bigTexts = Array.from({ length: count }, (_, sequence) =>
    canonicalJson({ sequence, source: 'urn:test', id: `s${sequence}` }),
  );
  const bigLeaves = bigTexts.map((t) => leafHash(t));
  let chain = ZERO_CHAIN_HASH;
  const bigChains = bigLeaves.map((l) => (chain = chainHash(chain, l)));

  async function* pages(): AsyncIterable<EntryPage> {
    for (let first = 0; first < count; first += 7) {
      const end = Math.min(count, first + 7);
      yield await Promise.resolve({
        first,
        leafData: bigTexts.slice(first, end),
        leafHashes: Buffer.concat(bigLeaves.slice(first, end)),
        chainHashes: Buffer.concat(bigChains.slice(first, end)),
      });
    }
  }

  async function storedOf(edit?: (hashes: Buffer[]) => Buffer[]): Promise<Buffer[]> {
    const stored = await hashesToAppend(0, bigLeaves, () => Promise.resolve([]));
    const hashes = stored.map((h) => h.hash);
    return edit ? edit(hashes) : hashes;
  }

  async function* storedPages(hashes: Buffer[]): AsyncIterable<StoredHashPage> {
    for (let first = 0; first < hashes.length; first += 10) {
      yield await Promise.resolve({
        first,
        hashes: Buffer.concat(hashes.slice(first, first + 10)),
      });
    }
  }

  const verifyStored = async (hashes: Buffer[]) =>
    verifyLedger({
      origin: ORIGIN,
      verifierKey: after.verifierKey,
      entries: pages(),
      storedHashes: storedPages(hashes),
      checkpoints: [],
      workers: 0,
    });

  it('should pass when every stored hash is the recomputed one', async () => {
    const hashes = await storedOf();
    expect(hashes).toHaveLength(storedHashCount(count));
    const report = await verifyStored(hashes);
    expect(report).toMatchObject({ ok: true, entries: count });
  });

  it('should name the hash and the sequences it covers when a subtree hash is replaced', async () => {
    const index = storedHashIndex(2, 3); // the subtree of sequences 12..15
    const hashes = await storedOf((h) => h.map((x, i) => (i === index ? Buffer.alloc(32, 1) : x)));
    const report = await verifyStored(hashes);
    expect(report.problem).toEqual({
      kind: 'stored-hash',
      sequence: 12,
      message: `stored Merkle hash ${index} (level 2, covering sequences 12..15) differs from the recomputed one`,
    });
  });

  it('should name the first missing hash when the stored hashes end early', async () => {
    const report = await verifyStored((await storedOf()).slice(0, 30));
    expect(report.problem).toMatchObject({
      kind: 'stored-hash',
      message: 'stored Merkle hash 30 is missing',
    });
  });
});

describe('verifyLedger keeping only the right edge of its tree', () => {
  // Roots are taken from the frontier as the tree passes each checkpoint's size, and every
  // other hash is given up once compared: any size, any page size, must still give RFC 9162's
  // root, and a wrong one must still fail.
  it('should check checkpoints and saved checkpoints of any size, whatever the page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 70 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (size, pageSize, picks, corrupt) => {
          const texts = Array.from({ length: size }, (_, sequence) =>
            canonicalJson({ data: { n: sequence }, sequence }),
          );
          const hashes = texts.map((t) => leafHash(t));
          let chain = ZERO_CHAIN_HASH;
          const chains = hashes.map((h) => (chain = chainHash(chain, h)));
          const sizes = [...new Set(picks.map((p) => (p % size) + 1))].sort((a, b) => a - b);
          const signer = parseSignerKey(after.signerKey);
          const notes = sizes.map((s, i) => {
            const root = merkleTreeHash(hashes.slice(0, s));
            if (corrupt && i === 0) root[0] ^= 1;
            return {
              treeSize: s,
              rootHash: root,
              note: signNote(formatCheckpoint({ origin: ORIGIN, size: s, rootHash: root }), signer),
            };
          });
          async function* pages(): AsyncIterable<EntryPage> {
            for (let first = 0; first < size; first += pageSize) {
              yield await Promise.resolve({
                first,
                leafData: texts.slice(first, first + pageSize),
                leafHashes: Buffer.concat(hashes.slice(first, first + pageSize)),
                chainHashes: Buffer.concat(chains.slice(first, first + pageSize)),
              });
            }
          }
          const report = await verifyLedger({
            origin: ORIGIN,
            verifierKey: after.verifierKey,
            entries: pages(),
            checkpoints: notes.slice(0, 2),
            savedCheckpoints: notes.slice(2).map((n) => n.note),
            workers: 0,
          });
          if (!corrupt) expect(report.problem).toBeUndefined();
          else
            expect(report.problem?.message).toMatch(
              /differs from the root recomputed|not the ones it signed/,
            );
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});
