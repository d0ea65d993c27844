import fc from 'fast-check';
import { leafHash, nodeHash } from '../hashing/ledger-hashes';
import {
  consistencyProofInMemory,
  inclusionProofInMemory,
  merkleTreeHash,
} from './merkle-reference';
import { verifyConsistency, verifyInclusion } from './merkle-verify';
import { splitStoredHashIndex, storedHashCount } from './stored-hash-index';
import {
  HashReader,
  hashesToAppend,
  proveConsistency,
  proveInclusion,
  treeHash,
} from './stored-hash-tree';

const MAX_LEAVES = 2000;
const LEAVES = Array.from({ length: MAX_LEAVES }, (_, i) => leafHash(`leaf ${i}`));

/** In-memory stand-in for the stored-hash table, recording every read. */
class MemoryHashStore {
  readonly hashes = new Map<number, Buffer>();
  readonly reads: number[][] = [];

  readonly reader: HashReader = (indexes) => {
    this.reads.push([...indexes]);
    return Promise.resolve(
      indexes.map((index) => {
        const hash = this.hashes.get(index);
        if (hash === undefined) {
          throw new Error(`stored hash ${index} was never written`);
        }
        return hash;
      }),
    );
  };

  async append(oldSize: number, leaves: readonly Buffer[]): Promise<void> {
    for (const { index, hash } of await hashesToAppend(oldSize, leaves, this.reader)) {
      if (this.hashes.has(index)) {
        throw new Error(`stored hash ${index} written twice`);
      }
      this.hashes.set(index, hash);
    }
  }
}

function flipBit(hash: Uint8Array, bit: number): Buffer {
  const copy = Buffer.from(hash);
  copy[Math.floor(bit / 8) % copy.length] ^= 1 << (bit % 8);
  return copy;
}

function expectOneAscendingRead(store: MemoryHashStore, maxIndexes: number): void {
  expect(store.reads).toHaveLength(1);
  const [read] = store.reads;
  expect(read.length).toBeLessThanOrEqual(maxIndexes);
  read.forEach((index, i) => i > 0 && expect(index).toBeGreaterThan(read[i - 1]));
}

const log2Ceil = (n: number): number => Math.ceil(Math.log2(Math.max(n, 1)));

describe('stored hash tree', () => {
  const full = new MemoryHashStore();

  beforeAll(async () => {
    for (let i = 0; i < MAX_LEAVES; i++) {
      await full.append(i, [LEAVES[i]]);
    }
    expect(full.hashes.size).toBe(storedHashCount(MAX_LEAVES));
  });

  // A fresh reader per check, over the fully built store, so reads can be counted.
  function readerOfFullStore(): MemoryHashStore {
    const view = new MemoryHashStore();
    for (const [index, hash] of full.hashes) {
      view.hashes.set(index, hash);
    }
    return view;
  }

  it('should equal the in-memory root with one read when hashing any tree size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: MAX_LEAVES }), async (size) => {
        const store = readerOfFullStore();
        expect(await treeHash(size, store.reader)).toEqual(merkleTreeHash(LEAVES.slice(0, size)));
        expectOneAscendingRead(store, log2Ceil(size) + 1);
      }),
      { numRuns: 80 },
    );
  });

  it('should return the empty-tree hash without reading when the tree is empty', async () => {
    const store = readerOfFullStore();
    expect(await treeHash(0, store.reader)).toEqual(merkleTreeHash([]));
    expect(store.reads).toHaveLength(0);
  });

  it('should match the reference and verify only untampered inputs when proving inclusion', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: MAX_LEAVES }),
        fc.nat(),
        fc.nat({ max: 255 }),
        async (size, indexSeed, bit) => {
          const index = indexSeed % size;
          const store = readerOfFullStore();
          const proof = await proveInclusion(size, index, store.reader);
          expect(proof).toEqual(inclusionProofInMemory(LEAVES, index, size));
          if (size > 1) {
            expectOneAscendingRead(store, 2 * log2Ceil(size));
          }
          const root = merkleTreeHash(LEAVES.slice(0, size));
          const leaf = LEAVES[index];
          expect(verifyInclusion(leaf, index, size, proof, root)).toBe(true);
          proof.forEach((_, i) => {
            const tampered = proof.map((p, j) => (i === j ? flipBit(p, bit) : p));
            expect(verifyInclusion(leaf, index, size, tampered, root)).toBe(false);
          });
          expect(verifyInclusion(flipBit(leaf, bit), index, size, proof, root)).toBe(false);
          expect(verifyInclusion(leaf, index, size, proof, flipBit(root, bit))).toBe(false);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('should match the reference and verify only untampered inputs when proving consistency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: MAX_LEAVES }),
        fc.nat(),
        fc.nat({ max: 255 }),
        async (size2, seed, bit) => {
          const size1 = 1 + (seed % size2);
          const store = readerOfFullStore();
          const proof = await proveConsistency(size1, size2, store.reader);
          expect(proof).toEqual(consistencyProofInMemory(LEAVES, size1, size2));
          if (size1 < size2) {
            expectOneAscendingRead(store, 2 * log2Ceil(size2) + 2);
          } else {
            expect(store.reads).toHaveLength(0);
          }
          const root1 = merkleTreeHash(LEAVES.slice(0, size1));
          const root2 = merkleTreeHash(LEAVES.slice(0, size2));
          expect(verifyConsistency(size1, size2, proof, root1, root2)).toBe(true);
          proof.forEach((_, i) => {
            const tampered = proof.map((p, j) => (i === j ? flipBit(p, bit) : p));
            expect(verifyConsistency(size1, size2, tampered, root1, root2)).toBe(false);
          });
          expect(verifyConsistency(size1, size2, proof, flipBit(root1, bit), root2)).toBe(false);
          expect(verifyConsistency(size1, size2, proof, root1, flipBit(root2, bit))).toBe(false);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('should store the same hashes as one-by-one appends when leaves come in random batches', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 70 }), { minLength: 1, maxLength: 25 }),
        async (batchSizes) => {
          const store = new MemoryHashStore();
          let size = 0;
          for (const batchSize of batchSizes) {
            const batch = LEAVES.slice(size, size + batchSize);
            const readsBefore = store.reads.length;
            await store.append(size, batch);
            const reads = store.reads.slice(readsBefore);
            expect(reads.length).toBeLessThanOrEqual(1);
            for (const index of reads.flat()) {
              // Only complete subtrees of the old tree, at most one per set bit of its size.
              const { level, n } = splitStoredHashIndex(index);
              expect((n + 1) * 2 ** level).toBeLessThanOrEqual(size);
            }
            expect(reads.flat().length).toBeLessThanOrEqual(log2Ceil(size + 1));
            size += batch.length;
          }
          expect(store.hashes.size).toBe(storedHashCount(size));
          const differing = [...store.hashes].filter(([i, h]) => !full.hashes.get(i)?.equals(h));
          expect(differing.map(([index]) => index)).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('should not read when appending leaves that complete no old subtree', async () => {
    const store = new MemoryHashStore();
    await store.append(0, LEAVES.slice(0, 4));
    expect(store.reads).toHaveLength(0);
    await store.append(4, LEAVES.slice(4, 5));
    expect(store.reads).toHaveLength(0);
    await store.append(5, LEAVES.slice(5, 8));
    expect(store.reads).toEqual([[6, 7]]);
  });

  it.each([
    ['treeHash of a negative size', (r: HashReader) => treeHash(-1, r)],
    ['treeHash of a fractional size', (r: HashReader) => treeHash(2.5, r)],
    ['inclusion of a leaf at the tree size', (r: HashReader) => proveInclusion(5, 5, r)],
    ['inclusion in an empty tree', (r: HashReader) => proveInclusion(0, 0, r)],
    ['inclusion of a negative index', (r: HashReader) => proveInclusion(5, -1, r)],
    ['consistency from size 0', (r: HashReader) => proveConsistency(0, 5, r)],
    ['consistency from a larger size', (r: HashReader) => proveConsistency(6, 5, r)],
    ['an append to a negative size', (r: HashReader) => hashesToAppend(-1, [], r)],
    ['an append of a short hash', (r: HashReader) => hashesToAppend(0, [Buffer.alloc(31)], r)],
  ])('should reject with a RangeError when asked for %s', async (_label, call) => {
    const store = readerOfFullStore();
    await expect(call(store.reader)).rejects.toThrow(RangeError);
    expect(store.reads).toHaveLength(0);
  });

  it.each([
    ['too few hashes', (): Promise<readonly Buffer[]> => Promise.resolve([])],
    ['a short hash', (): Promise<readonly Buffer[]> => Promise.resolve([Buffer.alloc(3)])],
  ])('should reject when the reader returns %s', async (_label, reader) => {
    await expect(treeHash(1, reader)).rejects.toThrow(/hash reader returned/);
  });

  describe('at production sizes', () => {
    // With identical leaves every complete subtree hash depends only on its level, so a
    // consistent "store" of any size can be simulated without building it.
    const levelHashes = [leafHash('same')];
    for (let level = 1; level <= 52; level++) {
      levelHashes.push(nodeHash(levelHashes[level - 1], levelHashes[level - 1]));
    }
    const uniform = (): { reader: HashReader; calls: number[][] } => {
      const calls: number[][] = [];
      return {
        calls,
        reader: (indexes) => {
          calls.push([...indexes]);
          return Promise.resolve(indexes.map((i) => levelHashes[splitStoredHashIndex(i).level]));
        },
      };
    };

    it.each([
      [10_000_000, 9_876_543, 1_234_567],
      [16_777_216, 16_777_215, 16_777_215],
      [2 ** 40 + 12345, 2 ** 39 + 7, 2 ** 40 - 1],
    ])(
      'should build verifiable proofs from one small read when the tree has %i leaves',
      async (size, index, size1) => {
        const { reader, calls } = uniform();
        const root = await treeHash(size, reader);
        const inclusion = await proveInclusion(size, index, reader);
        const consistency = await proveConsistency(size1, size, reader);
        const root1 = await treeHash(size1, reader);
        expect(calls).toHaveLength(4);
        calls.forEach((c) => expect(c.length).toBeLessThanOrEqual(2 * log2Ceil(size) + 2));
        expect(verifyInclusion(levelHashes[0], index, size, inclusion, root)).toBe(true);
        expect(verifyConsistency(size1, size, consistency, root1, root)).toBe(true);
      },
    );
  });
});
