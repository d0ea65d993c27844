// RFC 9162 2.1.3.2 and 2.1.4.2 verification. Any malformed input (bad sizes, wrong hash
// lengths) is reported as "does not verify" rather than thrown: callers are verifiers.
import { EMPTY_TREE_HASH, HASH_SIZE, hashesEqual, nodeHash } from '../hashing/ledger-hashes';
import { isNonNegativeSafeInteger, isOdd } from './tree-math';

export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isNonNegativeSafeInteger(index) || !isNonNegativeSafeInteger(treeSize)) {
    return false;
  }
  if (index >= treeSize || !allHashes([leafHash, root, ...proof])) {
    return false;
  }
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) {
      return false;
    }
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hashesEqual(r, root);
}

/**
 * Consistency of the tree of size1 (root1) with the tree of size2 (root2). Equal sizes
 * need an empty proof and equal roots; size1 = 0 needs an empty proof and the empty-tree
 * root (every tree extends the empty one).
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!isNonNegativeSafeInteger(size1) || !isNonNegativeSafeInteger(size2) || size1 > size2) {
    return false;
  }
  if (!allHashes([root1, root2, ...proof])) {
    return false;
  }
  if (size1 === size2) {
    return proof.length === 0 && hashesEqual(root1, root2);
  }
  if (size1 === 0) {
    return proof.length === 0 && hashesEqual(root1, EMPTY_TREE_HASH);
  }
  if (proof.length === 0) {
    return false;
  }
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0];
  let sr: Uint8Array = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) {
      return false;
    }
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hashesEqual(fr, root1) && hashesEqual(sr, root2);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) {
    k *= 2;
  }
  return k === n;
}

function allHashes(hashes: readonly Uint8Array[]): boolean {
  return hashes.every((h) => h.length === HASH_SIZE);
}
