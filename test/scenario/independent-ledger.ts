// A second, deliberately naive implementation of the ledger formats of CONTRACT.md section
// 4, written from the specs (RFC 8785, RFC 9162 section 2.1, C2SP signed-note and
// tlog-checkpoint) and not from the product's code, so the suite checks the product
// against the standards rather than against itself.
import { createHash, createPublicKey, verify } from 'node:crypto';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 8785 for the values our events hold: strings, safe integers, booleans, null. */
export function jcs(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`jcs: only integers here, got ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, v]) => v !== undefined,
    );
    // JS string comparison is by UTF-16 code units, as RFC 8785 section 3.2.3 asks.
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${jcs(v)}`).join(',')}}`;
  }
  throw new Error(`jcs: unsupported ${typeof value}`);
}

/** RFC 9162 2.1.1: leaf hash. */
export const leafHashOf = (leafData: string): Buffer =>
  sha256(Buffer.from([0]), Buffer.from(leafData, 'utf8'));

/** CONTRACT.md 4: chainHash(n) = SHA-256(chainHash(n-1) || leafHash(n)), zeros before 0. */
export function chainHashes(leafHashes: readonly Buffer[]): Buffer[] {
  let previous: Buffer = Buffer.alloc(32);
  return leafHashes.map((leaf) => (previous = sha256(previous, leaf)));
}

const node = (l: Buffer, r: Buffer): Buffer => sha256(Buffer.from([1]), l, r);

const largestPowerOfTwoBelow = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** RFC 9162 2.1.1: MTH over leaf hashes. */
export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0];
  const k = largestPowerOfTwoBelow(leaves.length);
  return node(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

/** RFC 9162 2.1.3.1: PATH(m, D[n]). */
export function inclusionPath(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = largestPowerOfTwoBelow(leaves.length);
  return m < k
    ? [...inclusionPath(m, leaves.slice(0, k)), merkleRoot(leaves.slice(k))]
    : [...inclusionPath(m - k, leaves.slice(k)), merkleRoot(leaves.slice(0, k))];
}

/** RFC 9162 2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
export function consistencyPath(m: number, leaves: readonly Buffer[]): Buffer[] {
  const sub = (m: number, d: readonly Buffer[], b: boolean): Buffer[] => {
    if (m === d.length) return b ? [] : [merkleRoot(d)];
    const k = largestPowerOfTwoBelow(d.length);
    return m <= k
      ? [...sub(m, d.slice(0, k), b), merkleRoot(d.slice(k))]
      : [...sub(m - k, d.slice(k), false), merkleRoot(d.slice(0, k))];
  };
  return sub(m, leaves, true);
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Opens a C2SP signed note with one Ed25519 verifier key "<name>+<hex id>+<base64(0x01 ||
 * key)>"; returns the note text if a signature line of that key verifies, else throws.
 */
export function openSignedNote(note: string, verifierKey: string): string {
  const [name, hexId, ...rest] = verifierKey.split('+');
  const keyData = Buffer.from(rest.join('+'), 'base64');
  if (keyData.length !== 33 || keyData[0] !== 0x01) throw new Error('not an Ed25519 note key');
  const publicKey = keyData.subarray(1);
  const expectedId = sha256(Buffer.from(`${name}\n`, 'utf8'), Buffer.from([0x01]), publicKey)
    .subarray(0, 4)
    .toString('hex');
  if (expectedId !== hexId.toLowerCase()) throw new Error(`key id ${hexId} != ${expectedId}`);
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const key = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]),
    format: 'der',
    type: 'spki',
  });
  for (const line of note.slice(split + 2).split('\n')) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const blob = Buffer.from(match[2], 'base64');
    if (blob.subarray(0, 4).toString('hex') !== expectedId) continue;
    if (verify(null, Buffer.from(text, 'utf8'), key, blob.subarray(4))) return text;
    throw new Error('signature does not verify');
  }
  throw new Error(`no signature by ${name}+${hexId}`);
}
