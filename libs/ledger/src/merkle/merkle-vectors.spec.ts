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

// RFC 6962 / 9162 test data as used by transparency-dev/merkle (testonly/constants.go,
// proof/verify_test.go) and certificate-transparency-go: 8 leaves, every complete subtree
// hash, every root, and known inclusion and consistency proofs.
const hex = (h: string): Buffer => Buffer.from(h, 'hex');

const LEAF_INPUTS: Buffer[] = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);

/** NODE_HASHES[level][n]: the hash of leaves n*2^level .. (n+1)*2^level-1. */
const NODE_HASHES: Buffer[][] = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ].map(hex),
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ].map(hex),
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ].map(hex),
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'].map(hex),
];

/** ROOT_HASHES[size]: the root of the first `size` leaves. */
const ROOT_HASHES: Buffer[] = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hex);

/** Inclusion proofs with 0-based leaf indexes (the Go tables count leaves from 1). */
const INCLUSION_PROOFS: { index: number; treeSize: number; proof: Buffer[] }[] = [
  {
    index: 0,
    treeSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ].map(hex),
  },
  {
    index: 5,
    treeSize: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ].map(hex),
  },
  {
    index: 2,
    treeSize: 3,
    proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'].map(hex),
  },
  {
    index: 1,
    treeSize: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ].map(hex),
  },
  { index: 0, treeSize: 1, proof: [] },
];

const CONSISTENCY_PROOFS: { size1: number; size2: number; proof: Buffer[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ].map(hex),
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ].map(hex),
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ].map(hex),
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ].map(hex),
  },
];

const LEAF_HASHES = LEAF_INPUTS.map((input) => leafHash(input));
const SOME_HASH = Buffer.from(
  'abacaba000000000000000000000000000000000000000000060061e00123456',
  'hex',
);

async function storeOfTestLeaves(): Promise<{ store: Map<number, Buffer>; reader: HashReader }> {
  const store = new Map<number, Buffer>();
  const reader: HashReader = (indexes) => {
    const found = indexes.map((i) => store.get(i));
    return Promise.resolve(found.map((h, i) => h ?? fail(`no stored hash ${indexes[i]}`)));
  };
  for (const stored of await hashesToAppend(0, LEAF_HASHES, reader)) {
    store.set(stored.index, stored.hash);
  }
  return { store, reader };
}

function fail(message: string): never {
  throw new Error(message);
}

function flipBit(hash: Uint8Array, bit: number): Buffer {
  const copy = Buffer.from(hash);
  copy[bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

describe('Merkle tree against the RFC 6962 test vectors', () => {
  it('should hash the test leaves to the known leaf hashes when given the leaf inputs', () => {
    expect(LEAF_HASHES).toEqual(NODE_HASHES[0]);
  });

  it.each(ROOT_HASHES.map((root, size) => ({ size, root })))(
    'should compute the known root when the tree has $size leaves',
    async ({ size, root }) => {
      const { reader } = await storeOfTestLeaves();
      expect(merkleTreeHash(LEAF_HASHES.slice(0, size))).toEqual(root);
      expect(await treeHash(size, reader)).toEqual(root);
    },
  );

  it('should store every complete subtree hash at its tlog index when the 8 leaves are appended', async () => {
    const { store } = await storeOfTestLeaves();
    expect(store.size).toBe(storedHashCount(8));
    for (const [index, hash] of store) {
      const { level, n } = splitStoredHashIndex(index);
      expect(hash).toEqual(NODE_HASHES[level][n]);
    }
  });

  it.each(INCLUSION_PROOFS)(
    'should produce and verify the known inclusion proof when proving leaf $index of $treeSize',
    async ({ index, treeSize, proof }) => {
      const { reader } = await storeOfTestLeaves();
      const root = ROOT_HASHES[treeSize];
      expect(inclusionProofInMemory(LEAF_HASHES, index, treeSize)).toEqual(proof);
      expect(await proveInclusion(treeSize, index, reader)).toEqual(proof);
      expect(verifyInclusion(LEAF_HASHES[index], index, treeSize, proof, root)).toBe(true);
    },
  );

  it.each(INCLUSION_PROOFS.filter((v) => v.proof.length > 0))(
    'should reject corrupted inclusion proofs when proving leaf $index of $treeSize',
    ({ index, treeSize, proof }) => {
      const root = ROOT_HASHES[treeSize];
      const leaf = LEAF_HASHES[index];
      const probes: [number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
        [index - 1, treeSize, proof, root, leaf],
        [index + 1, treeSize, proof, root, leaf],
        [index ^ 2, treeSize, proof, root, leaf],
        [index, treeSize * 2, proof, root, leaf],
        [index, Math.floor(treeSize / 2), proof, root, leaf],
        [index, treeSize, proof, root, leafHash('WrongLeaf')],
        [index, treeSize, proof, ROOT_HASHES[0], leaf],
        [index, treeSize, proof, SOME_HASH, leaf],
        [index, treeSize, [...proof, Buffer.alloc(0)], root, leaf],
        [index, treeSize, [...proof, root], root, leaf],
        [index, treeSize, [Buffer.alloc(0), ...proof], root, leaf],
        [index, treeSize, [root, ...proof], root, leaf],
        [index, treeSize, proof.slice(0, -1), root, leaf],
        [index, treeSize, [proof[0], SOME_HASH, ...proof.slice(1)], root, leaf],
        ...proof.map((_, i): [number, number, Uint8Array[], Uint8Array, Uint8Array] => [
          index,
          treeSize,
          proof.map((p, j) => (i === j ? flipBit(p, 3) : p)),
          root,
          leaf,
        ]),
      ];
      for (const [i, size, p, r, l] of probes) {
        expect(verifyInclusion(l, i, size, p, r)).toBe(false);
      }
    },
  );

  it.each(CONSISTENCY_PROOFS)(
    'should produce and verify the known consistency proof when going from $size1 to $size2',
    async ({ size1, size2, proof }) => {
      const { reader } = await storeOfTestLeaves();
      expect(consistencyProofInMemory(LEAF_HASHES, size1, size2)).toEqual(proof);
      expect(await proveConsistency(size1, size2, reader)).toEqual(proof);
      expect(verifyConsistency(size1, size2, proof, ROOT_HASHES[size1], ROOT_HASHES[size2])).toBe(
        true,
      );
    },
  );

  it.each(CONSISTENCY_PROOFS.filter((v) => v.proof.length > 0))(
    'should reject corrupted consistency proofs when going from $size1 to $size2',
    ({ size1, size2, proof }) => {
      const root1 = ROOT_HASHES[size1];
      const root2 = ROOT_HASHES[size2];
      type Probe = [number, number, Uint8Array[], Uint8Array, Uint8Array];
      const probes: Probe[] = [
        [size1 - 1, size2, proof, root1, root2],
        [size1 + 1, size2, proof, root1, root2],
        [size1 ^ 2, size2, proof, root1, root2],
        [size1, size2 * 2, proof, root1, root2],
        [size1, Math.floor(size2 / 2), proof, root1, root2],
        [size1, size2, proof, SOME_HASH, root2],
        [size1, size2, proof, root1, SOME_HASH],
        [size1, size2, proof, root2, root1],
        [size1, size2, [], root1, root2],
        [size1, size2, [...proof, Buffer.alloc(0)], root1, root2],
        [size1, size2, [...proof, root1], root1, root2],
        [size1, size2, [...proof, root2], root1, root2],
        [size1, size2, [Buffer.alloc(0), ...proof], root1, root2],
        [size1, size2, [root1, ...proof], root1, root2],
        [size1, size2, [root2, ...proof], root1, root2],
        [size1, size2, [proof[0], ...proof], root1, root2],
        [size1, size2, proof.slice(0, -1), root1, root2],
        ...proof.map((_, i): Probe => [
          size1,
          size2,
          proof.map((p, j) => (i === j ? flipBit(p, 4) : p)),
          root1,
          root2,
        ]),
      ];
      for (const [s1, s2, p, r1, r2] of probes) {
        expect(verifyConsistency(s1, s2, p, r1, r2)).toBe(false);
      }
    },
  );

  const rootA = Buffer.alloc(32, 0xa1);
  const rootB = Buffer.alloc(32, 0xb2);
  it.each([
    { size1: 0, size2: 0, root1: rootA, root2: rootB, proof: [], valid: false },
    { size1: 1, size2: 1, root1: rootA, root2: rootB, proof: [], valid: false },
    { size1: 0, size2: 0, root1: rootA, root2: rootA, proof: [], valid: true },
    { size1: 1, size2: 1, root1: rootB, root2: rootB, proof: [], valid: true },
    { size1: 0, size2: 1, root1: ROOT_HASHES[0], root2: rootB, proof: [], valid: true },
    { size1: 0, size2: 1, root1: rootA, root2: rootB, proof: [], valid: false },
    { size1: 1, size2: 0, root1: rootA, root2: rootB, proof: [], valid: false },
    { size1: 2, size2: 1, root1: rootA, root2: rootB, proof: [], valid: false },
    { size1: 1, size2: 2, root1: rootA, root2: rootB, proof: [], valid: false },
    { size1: 1, size2: 1, root1: rootA, root2: rootA, proof: [ROOT_HASHES[0]], valid: false },
    { size1: 0, size2: 1, root1: ROOT_HASHES[0], root2: rootA, proof: [rootA], valid: false },
    { size1: -1, size2: 1, root1: rootA, root2: rootA, proof: [], valid: false },
    { size1: 1.5, size2: 2, root1: rootA, root2: rootA, proof: [rootA], valid: false },
  ])(
    'should return $valid when checking consistency from $size1 to $size2 in an edge case',
    ({ size1, size2, root1, root2, proof, valid }) => {
      expect(verifyConsistency(size1, size2, proof, root1, root2)).toBe(valid);
    },
  );

  it.each([
    { index: 0, treeSize: 0 },
    { index: 1, treeSize: 1 },
    { index: 2, treeSize: 1 },
    { index: -1, treeSize: 1 },
    { index: 0.5, treeSize: 1 },
  ])(
    'should not verify inclusion when leaf $index is outside a tree of $treeSize',
    ({ index, treeSize }) => {
      expect(verifyInclusion(SOME_HASH, index, treeSize, [], SOME_HASH)).toBe(false);
    },
  );

  it('should verify a single-leaf tree only when the root equals the leaf hash', () => {
    const hash = leafHash('data');
    expect(verifyInclusion(hash, 0, 1, [], hash)).toBe(true);
    expect(verifyInclusion(hash, 0, 1, [], Buffer.alloc(0))).toBe(false);
    expect(verifyInclusion(Buffer.alloc(0), 0, 1, [], hash)).toBe(false);
    expect(verifyInclusion(hash, 0, 1, [], nodeHash(hash, hash))).toBe(false);
  });
});
