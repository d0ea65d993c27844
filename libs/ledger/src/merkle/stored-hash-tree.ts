// Tree hashes and RFC 9162 proofs computed from stored complete-subtree hashes
// (see stored-hash-index.ts), after golang.org/x/mod/sumdb/tlog. Each operation first
// collects every stored index it needs, then makes a single reader call (one SQL query),
// then computes: O(log n) hashes per proof whatever the tree size.
import { EMPTY_TREE_HASH, HASH_SIZE, nodeHash } from '../hashing/ledger-hashes';
import { storedHashCount, storedHashIndex } from './stored-hash-index';
import { assertNonNegativeSafeInteger, largestPowerOfTwoBelow, trailingZeros } from './tree-math';

/** Reads stored hashes by index; must return them in the order asked. */
export type HashReader = (indexes: readonly number[]) => Promise<readonly Buffer[]>;

export interface StoredHash {
  index: number;
  hash: Buffer;
}

/**
 * The stored hashes to write when leaves are appended to a tree of `oldSize`, in index
 * order (indexes storedHashCount(oldSize) .. storedHashCount(newSize) - 1). Reads, in
 * at most one call, only the old right-edge subtree hashes that the new leaves complete.
 */
export async function hashesToAppend(
  oldSize: number,
  newLeafHashes: readonly Buffer[],
  reader: HashReader,
): Promise<StoredHash[]> {
  assertNonNegativeSafeInteger('oldSize', oldSize);
  for (const h of newLeafHashes) {
    if (h.length !== HASH_SIZE) {
      throw new RangeError(`every new leaf hash must be ${HASH_SIZE} bytes`);
    }
  }
  const newSize = oldSize + newLeafHashes.length;
  assertNonNegativeSafeInteger('new tree size', newSize);
  // frontier[level]: the last completed subtree of that level, the left half of the next
  // one its level completes. The old tree's come from storage; the new ones as they form.
  const frontier: (Buffer | undefined)[] = [];
  const needed = oldRightEdge(oldSize, newSize);
  if (needed.length > 0) {
    const old = await readExactly(
      reader,
      needed.map((n) => n.index),
    );
    needed.forEach(({ level }, i) => (frontier[level] = old[i]));
  }
  const out: StoredHash[] = [];
  let index = storedHashCount(oldSize);
  for (let offset = 0; offset < newLeafHashes.length; offset++) {
    const leaf = oldSize + offset;
    let h = newLeafHashes[offset];
    out.push({ index: index++, hash: h });
    // Each trailing 1 bit of the leaf number completes a subtree one level up, whose
    // left half is the last completed subtree of that level.
    const completed = trailingZeros(leaf + 1);
    for (let level = 0; level < completed; level++) {
      const left = frontier[level];
      if (left === undefined) {
        throw new Error(`hashesToAppend: missing left sibling at level ${level} (internal error)`);
      }
      h = nodeHash(left, h);
      out.push({ index: index++, hash: h });
    }
    frontier[completed] = h;
  }
  const expectedCount = storedHashCount(newSize) - storedHashCount(oldSize);
  if (out.length !== expectedCount) {
    throw new Error(`hashesToAppend: produced ${out.length} hashes, expected ${expectedCount}`);
  }
  return out;
}

/**
 * Stored indexes of the maximal complete subtrees of the tree of `treeSize`, largest
 * (leftmost) first: its right edge, all that appending to it needs.
 */
export function rightEdgeIndexes(treeSize: number): number[] {
  assertNonNegativeSafeInteger('treeSize', treeSize);
  const indexes: number[] = [];
  subtreeIndexes(0, treeSize, indexes);
  return indexes;
}

/** RFC 9162 MTH of the first `treeSize` leaves; the empty tree is SHA-256(""). */
export async function treeHash(treeSize: number, reader: HashReader): Promise<Buffer> {
  assertNonNegativeSafeInteger('treeSize', treeSize);
  if (treeSize === 0) {
    return Buffer.from(EMPTY_TREE_HASH);
  }
  const indexes: number[] = [];
  subtreeIndexes(0, treeSize, indexes);
  const cursor = new HashCursor(await readExactly(reader, indexes));
  const root = subtreeHash(0, treeSize, cursor);
  cursor.assertConsumed('treeHash');
  return root;
}

/** RFC 9162 inclusion proof of leaf `index` in the tree of `treeSize`, leaf side first. */
export async function proveInclusion(
  treeSize: number,
  index: number,
  reader: HashReader,
): Promise<Buffer[]> {
  assertNonNegativeSafeInteger('treeSize', treeSize);
  assertNonNegativeSafeInteger('index', index);
  if (index >= treeSize) {
    throw new RangeError(`index ${index} is outside a tree of size ${treeSize}`);
  }
  const indexes: number[] = [];
  inclusionIndexes(0, treeSize, index, indexes);
  if (indexes.length === 0) {
    return [];
  }
  const cursor = new HashCursor(await readExactly(reader, indexes));
  const proof: Buffer[] = [];
  inclusionProof(0, treeSize, index, cursor, proof);
  cursor.assertConsumed('proveInclusion');
  return proof;
}

/** RFC 9162 consistency proof from the tree of size1 to the tree of size2. */
export async function proveConsistency(
  size1: number,
  size2: number,
  reader: HashReader,
): Promise<Buffer[]> {
  assertNonNegativeSafeInteger('size1', size1);
  assertNonNegativeSafeInteger('size2', size2);
  if (size1 < 1) {
    throw new RangeError(`size1 must be at least 1, got ${size1}`);
  }
  if (size1 > size2) {
    throw new RangeError(`size1 ${size1} is larger than size2 ${size2}`);
  }
  if (size1 === size2) {
    return [];
  }
  const indexes: number[] = [];
  consistencyIndexes(0, size2, size1, indexes);
  const cursor = new HashCursor(await readExactly(reader, indexes));
  const proof: Buffer[] = [];
  consistencyProof(0, size2, size1, cursor, proof);
  cursor.assertConsumed('proveConsistency');
  return proof;
}

// The old tree's maximal complete subtrees (one per set bit of oldSize) whose parent
// becomes complete once the tree reaches newSize: the only old hashes an append needs.
// In index order, which is also largest level first.
function oldRightEdge(oldSize: number, newSize: number): { index: number; level: number }[] {
  const edge: { index: number; level: number }[] = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (start + width <= oldSize) {
      if (start + 2 * width <= newSize) {
        edge.push({ index: storedHashIndex(level, start / width), level });
      }
      start += width;
    }
  }
  return edge;
}

// Hashes come back in the order their indexes were collected; the compute pass walks the
// tree in the same order, so a cursor replaces any index bookkeeping.
class HashCursor {
  private position = 0;
  constructor(private readonly hashes: readonly Buffer[]) {}

  next(): Buffer {
    if (this.position >= this.hashes.length) {
      throw new Error('stored hash tree: ran out of hashes (internal error)');
    }
    return this.hashes[this.position++];
  }

  assertConsumed(operation: string): void {
    if (this.position !== this.hashes.length) {
      throw new Error(`${operation}: left ${this.hashes.length - this.position} hashes unused`);
    }
  }
}

// MTH(D[lo:hi]) is the complete subtrees of the binary decomposition of hi - lo, largest
// first, folded right to left.
function subtreeIndexes(lo: number, hi: number, out: number[]): void {
  while (lo < hi) {
    const { k, level } = largestPowerOfTwoBelow(hi - lo + 1);
    out.push(storedHashIndex(level, lo / k));
    lo += k;
  }
}

function subtreeHash(lo: number, hi: number, cursor: HashCursor): Buffer {
  const parts: Buffer[] = [];
  while (lo < hi) {
    const { k } = largestPowerOfTwoBelow(hi - lo + 1);
    parts.push(cursor.next());
    lo += k;
  }
  let h = parts[parts.length - 1];
  for (let i = parts.length - 2; i >= 0; i--) {
    h = nodeHash(parts[i], h);
  }
  return h;
}

function inclusionIndexes(lo: number, hi: number, m: number, out: number[]): void {
  if (hi - lo === 1) {
    return;
  }
  const { k } = largestPowerOfTwoBelow(hi - lo);
  if (m < lo + k) {
    inclusionIndexes(lo, lo + k, m, out);
    subtreeIndexes(lo + k, hi, out);
  } else {
    subtreeIndexes(lo, lo + k, out);
    inclusionIndexes(lo + k, hi, m, out);
  }
}

function inclusionProof(
  lo: number,
  hi: number,
  m: number,
  cursor: HashCursor,
  out: Buffer[],
): void {
  if (hi - lo === 1) {
    return;
  }
  const { k } = largestPowerOfTwoBelow(hi - lo);
  if (m < lo + k) {
    inclusionProof(lo, lo + k, m, cursor, out);
    out.push(subtreeHash(lo + k, hi, cursor));
  } else {
    const sibling = subtreeHash(lo, lo + k, cursor);
    inclusionProof(lo + k, hi, m, cursor, out);
    out.push(sibling);
  }
}

// size1 is absolute; (lo, hi) is the subtree being walked, lo < size1 <= hi.
function consistencyIndexes(lo: number, hi: number, size1: number, out: number[]): void {
  if (size1 === hi) {
    if (lo !== 0) {
      subtreeIndexes(lo, hi, out);
    }
    return;
  }
  const { k } = largestPowerOfTwoBelow(hi - lo);
  if (size1 <= lo + k) {
    consistencyIndexes(lo, lo + k, size1, out);
    subtreeIndexes(lo + k, hi, out);
  } else {
    subtreeIndexes(lo, lo + k, out);
    consistencyIndexes(lo + k, hi, size1, out);
  }
}

function consistencyProof(
  lo: number,
  hi: number,
  size1: number,
  cursor: HashCursor,
  out: Buffer[],
): void {
  if (size1 === hi) {
    // The old tree itself (lo = 0) is known to the verifier and is left out.
    if (lo !== 0) {
      out.push(subtreeHash(lo, hi, cursor));
    }
    return;
  }
  const { k } = largestPowerOfTwoBelow(hi - lo);
  if (size1 <= lo + k) {
    consistencyProof(lo, lo + k, size1, cursor, out);
    out.push(subtreeHash(lo + k, hi, cursor));
  } else {
    const sibling = subtreeHash(lo, lo + k, cursor);
    consistencyProof(lo + k, hi, size1, cursor, out);
    out.push(sibling);
  }
}

async function readExactly(
  reader: HashReader,
  indexes: readonly number[],
): Promise<readonly Buffer[]> {
  const hashes = await reader(indexes);
  if (hashes.length !== indexes.length) {
    throw new Error(`hash reader returned ${hashes.length} hashes for ${indexes.length} indexes`);
  }
  hashes.forEach((h, i) => {
    if (h.length !== HASH_SIZE) {
      throw new Error(`hash reader returned ${h.length} bytes for stored index ${indexes[i]}`);
    }
  });
  return hashes;
}
