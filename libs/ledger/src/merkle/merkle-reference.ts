// In-memory reference implementation of RFC 9162 section 2.1 over a list of leaf hashes.
// It is O(n) per call: used to cross-check the stored-hash implementation and for small trees.
import { EMPTY_TREE_HASH, HASH_SIZE, nodeHash } from '../hashing/ledger-hashes';
import { assertNonNegativeSafeInteger, largestPowerOfTwoBelow } from './tree-math';

/** RFC 9162 2.1.1 MTH over leaf hashes; the empty tree hashes to SHA-256(""). */
export function merkleTreeHash(leafHashes: readonly Uint8Array[]): Buffer {
  assertLeafHashes(leafHashes);
  if (leafHashes.length === 0) {
    return Buffer.from(EMPTY_TREE_HASH);
  }
  return subtreeHash(leafHashes, 0, leafHashes.length);
}

/** RFC 9162 2.1.3.1 PATH(index, D[0:treeSize]), leaf-side hash first. */
export function inclusionProofInMemory(
  leafHashes: readonly Uint8Array[],
  index: number,
  treeSize: number,
): Buffer[] {
  assertNonNegativeSafeInteger('index', index);
  assertNonNegativeSafeInteger('treeSize', treeSize);
  if (treeSize > leafHashes.length) {
    throw new RangeError(`treeSize ${treeSize} exceeds the ${leafHashes.length} leaves given`);
  }
  if (index >= treeSize) {
    throw new RangeError(`index ${index} is outside a tree of size ${treeSize}`);
  }
  assertLeafHashes(leafHashes);
  const proof: Buffer[] = [];
  path(leafHashes, index, 0, treeSize, proof);
  return proof;
}

/** RFC 9162 2.1.4.1 PROOF(size1, D[0:size2]); equal sizes give an empty proof. */
export function consistencyProofInMemory(
  leafHashes: readonly Uint8Array[],
  size1: number,
  size2: number,
): Buffer[] {
  assertNonNegativeSafeInteger('size1', size1);
  assertNonNegativeSafeInteger('size2', size2);
  if (size1 < 1) {
    throw new RangeError(`size1 must be at least 1, got ${size1}`);
  }
  if (size1 > size2) {
    throw new RangeError(`size1 ${size1} is larger than size2 ${size2}`);
  }
  if (size2 > leafHashes.length) {
    throw new RangeError(`size2 ${size2} exceeds the ${leafHashes.length} leaves given`);
  }
  assertLeafHashes(leafHashes);
  const proof: Buffer[] = [];
  if (size1 < size2) {
    subproof(leafHashes, size1, 0, size2, true, proof);
  }
  return proof;
}

function subtreeHash(leaves: readonly Uint8Array[], lo: number, hi: number): Buffer {
  if (hi - lo === 1) {
    return Buffer.from(leaves[lo]);
  }
  const { k } = largestPowerOfTwoBelow(hi - lo);
  return nodeHash(subtreeHash(leaves, lo, lo + k), subtreeHash(leaves, lo + k, hi));
}

// PATH(m, D[lo:hi]) with m relative to the whole tree; appends deepest hash first.
function path(
  leaves: readonly Uint8Array[],
  m: number,
  lo: number,
  hi: number,
  out: Buffer[],
): void {
  if (hi - lo === 1) {
    return;
  }
  const { k } = largestPowerOfTwoBelow(hi - lo);
  if (m < lo + k) {
    path(leaves, m, lo, lo + k, out);
    out.push(subtreeHash(leaves, lo + k, hi));
  } else {
    path(leaves, m, lo + k, hi, out);
    out.push(subtreeHash(leaves, lo, lo + k));
  }
}

// SUBPROOF(m, D[lo:hi], b) with m an absolute size.
function subproof(
  leaves: readonly Uint8Array[],
  m: number,
  lo: number,
  hi: number,
  isWholeOldTree: boolean,
  out: Buffer[],
): void {
  if (m === hi) {
    if (!isWholeOldTree) {
      out.push(subtreeHash(leaves, lo, hi));
    }
    return;
  }
  const { k } = largestPowerOfTwoBelow(hi - lo);
  if (m <= lo + k) {
    subproof(leaves, m, lo, lo + k, isWholeOldTree, out);
    out.push(subtreeHash(leaves, lo + k, hi));
  } else {
    subproof(leaves, m, lo + k, hi, false, out);
    out.push(subtreeHash(leaves, lo, lo + k));
  }
}

function assertLeafHashes(leafHashes: readonly Uint8Array[]): void {
  for (const h of leafHashes) {
    if (h.length !== HASH_SIZE) {
      throw new RangeError(`every leaf hash must be ${HASH_SIZE} bytes`);
    }
  }
}
