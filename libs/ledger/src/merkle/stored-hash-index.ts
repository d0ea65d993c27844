// Linear numbering of every complete subtree hash, as in golang.org/x/mod/sumdb/tlog
// (Crosby and Wallach, "Efficient Data Structures for Tamper-Evident Logging", 3.3):
// leaf n's hash is stored right after the hashes of all earlier leaves and of the
// subtrees they completed, then come the hashes of the subtrees leaf n completes.
// The numbering never changes as the tree grows, so storage is append-only.
import {
  assertNonNegativeSafeInteger,
  isNonNegativeSafeInteger,
  shiftRight,
  trailingZeros,
} from './tree-math';

/** Highest subtree level usable with safe-integer tree sizes. */
const MAX_LEVEL = 52;

/** Index of the hash of the subtree at `level` covering leaves n*2^level .. (n+1)*2^level-1. */
export function storedHashIndex(level: number, n: number): number {
  assertLevel(level);
  assertNonNegativeSafeInteger('n', n);
  // The subtree's hash is written with its last leaf, right after that leaf's own hash
  // and the hashes of the `level` - 1 smaller subtrees the leaf also completed.
  const lastLeaf = (n + 1) * 2 ** level - 1;
  const index = leafHashIndex(lastLeaf) + level;
  if (!Number.isSafeInteger(index)) {
    throw new RangeError(`storedHashIndex(${level}, ${n}) is beyond the safe integer range`);
  }
  return index;
}

/** Inverse of storedHashIndex. */
export function splitStoredHashIndex(index: number): { level: number; n: number } {
  assertNonNegativeSafeInteger('index', index);
  // leafHashIndex(n) <= 2n, so the leaf whose hashes include `index` is at least index/2,
  // and at most log2(index) leaves further on.
  let leaf = Math.floor(index / 2);
  let leafIndex = leafHashIndex(leaf);
  while (leafIndex > index) {
    leaf--;
    leafIndex = leafHashIndex(leaf);
  }
  for (;;) {
    // Leaf n adds 1 + trailingZeros(n + 1) hashes.
    const next = leafIndex + 1 + trailingZeros(leaf + 1);
    if (next > index) {
      break;
    }
    leaf++;
    leafIndex = next;
  }
  const level = index - leafIndex;
  return { level, n: shiftRight(leaf, level) };
}

/** Number of stored hashes of a tree with `treeSize` leaves (the next free index). */
export function storedHashCount(treeSize: number): number {
  assertNonNegativeSafeInteger('treeSize', treeSize);
  if (treeSize === 0) {
    return 0;
  }
  const lastLeaf = treeSize - 1;
  return leafHashIndex(lastLeaf) + 1 + trailingZeros(treeSize);
}

// Index of leaf n's own hash: n + n/2 + n/4 + ... = 2n - popcount(n).
function leafHashIndex(n: number): number {
  let index = 0;
  for (let m = n; m > 0; m = Math.floor(m / 2)) {
    index += m;
  }
  return index;
}

function assertLevel(level: number): void {
  if (!isNonNegativeSafeInteger(level) || level > MAX_LEVEL) {
    throw new RangeError(`level must be an integer from 0 to ${MAX_LEVEL}, got ${String(level)}`);
  }
}
