import { hash } from 'node:crypto';

/** Size in bytes of every hash in the ledger (SHA-256). */
export const HASH_SIZE = 32;

/** chainHash(-1): the value chained before sequence 0 (CONTRACT 4). */
export const ZERO_CHAIN_HASH: Buffer = Buffer.alloc(HASH_SIZE);

/** RFC 9162 2.1.1: the hash of an empty tree is SHA-256 of the empty string. */
export const EMPTY_TREE_HASH: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

const LEAF_PREFIX = Buffer.from([0x00]);

// One-shot crypto.hash over a reused buffer is the cheapest way to hash 65 bytes in Node;
// safe because hashing is synchronous.
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
const chainScratch = Buffer.alloc(2 * HASH_SIZE);
/** Grown to the longest leaf data hashed so far (3 bytes per UTF-16 unit at most). */
let leafScratch = Buffer.allocUnsafe(4096);

export function sha256(...parts: Uint8Array[]): Buffer {
  const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  return hash('sha256', data, 'buffer');
}

/** RFC 9162 leaf hash: SHA-256(0x00 || data); a string is hashed as its UTF-8 bytes. */
export function leafHash(leafData: Uint8Array | string): Buffer {
  if (typeof leafData === 'string') {
    // 0x00 and the UTF-8 bytes in one reused buffer: no Buffer per call.
    if (leafScratch.length < 1 + 3 * leafData.length) {
      leafScratch = Buffer.allocUnsafe(1 + 3 * leafData.length);
    }
    leafScratch[0] = 0x00;
    const bytes = leafScratch.write(leafData, 1, 'utf8');
    return hash('sha256', leafScratch.subarray(0, 1 + bytes), 'buffer');
  }
  return hash('sha256', Buffer.concat([LEAF_PREFIX, leafData]), 'buffer');
}

/**
 * leafHash of leaf data given as the byte 0x00 followed by its UTF-8 bytes (`prefixed[0]`
 * must be 0x00): the same hash as leafHash(data), without copying bytes that a caller has
 * already laid out after the prefix.
 */
export function leafHashOfPrefixed(prefixed: Uint8Array): Buffer {
  if (prefixed.length === 0 || prefixed[0] !== 0x00) {
    throw new RangeError('leafHashOfPrefixed: the input must start with the leaf prefix 0x00');
  }
  return hash('sha256', prefixed, 'buffer');
}

/** RFC 9162 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new RangeError(`nodeHash: children must be ${HASH_SIZE}-byte hashes`);
  }
  nodeScratch[0] = 0x01;
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeScratch, 'buffer');
}

/** chainHash(n) = SHA-256(chainHash(n-1) || leafHash(n)), ZERO_CHAIN_HASH before sequence 0. */
export function chainHash(previous: Uint8Array, leaf: Uint8Array): Buffer {
  if (previous.length !== HASH_SIZE || leaf.length !== HASH_SIZE) {
    throw new RangeError(`chainHash: both inputs must be ${HASH_SIZE}-byte hashes`);
  }
  chainScratch.set(previous, 0);
  chainScratch.set(leaf, HASH_SIZE);
  return hash('sha256', chainScratch, 'buffer');
}

/** Byte equality of two hashes (lengths must match too); hashes are public, so not constant-time. */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
