import { createHash } from 'node:crypto';
import {
  EMPTY_TREE_HASH,
  ZERO_CHAIN_HASH,
  chainHash,
  hashesEqual,
  leafHash,
  leafHashOfPrefixed,
  nodeHash,
  sha256,
} from './ledger-hashes';

const hex = (h: string): Buffer => Buffer.from(h, 'hex');

describe('ledger hashes', () => {
  it('should hash the concatenation when sha256 gets several parts', () => {
    const expected = createHash('sha256').update('abcdef').digest();
    expect(sha256(Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef'))).toEqual(expected);
    expect(sha256(Buffer.from('abcdef'))).toEqual(expected);
    expect(sha256()).toEqual(EMPTY_TREE_HASH);
  });

  it.each([
    ['', '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'],
    ['00', '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7'],
    ['10', '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7'],
  ])('should give the RFC 6962 leaf hash when the leaf data is %j', (data, expected) => {
    expect(leafHash(hex(data)).toString('hex')).toBe(expected);
  });

  it('should hash a string as its UTF-8 bytes when leafHash gets text', () => {
    const text = '{"a":"\u00e9\ud83d\ude02"}';
    expect(leafHash(text)).toEqual(leafHash(Buffer.from(text, 'utf8')));
  });

  it('should give leafHash of the bytes after the prefix when leafHashOfPrefixed gets 0x00 and them', () => {
    const bytes = Buffer.from('{"a":"\u00e9\ud83d\ude02"}', 'utf8');
    expect(leafHashOfPrefixed(Buffer.concat([Buffer.from([0]), bytes]))).toEqual(leafHash(bytes));
    expect(leafHashOfPrefixed(Buffer.from([0]))).toEqual(leafHash(Buffer.alloc(0)));
    expect(() => leafHashOfPrefixed(bytes)).toThrow(RangeError);
    expect(() => leafHashOfPrefixed(Buffer.alloc(0))).toThrow(RangeError);
  });

  it('should give the RFC 6962 node hash when combining the first two test leaves', () => {
    const left = hex('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    const right = hex('96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7');
    expect(nodeHash(left, right).toString('hex')).toBe(
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    );
  });

  it('should return independent buffers when nodeHash is called repeatedly', () => {
    const a = nodeHash(Buffer.alloc(32, 1), Buffer.alloc(32, 2));
    const b = nodeHash(Buffer.alloc(32, 3), Buffer.alloc(32, 4));
    expect(a).toEqual(sha256(Buffer.from([1]), Buffer.alloc(32, 1), Buffer.alloc(32, 2)));
    expect(hashesEqual(a, b)).toBe(false);
  });

  it('should chain from 32 zero bytes when computing the first chain hash', () => {
    const leaf = leafHash('entry 0');
    expect(ZERO_CHAIN_HASH).toEqual(Buffer.alloc(32));
    expect(chainHash(ZERO_CHAIN_HASH, leaf)).toEqual(sha256(Buffer.alloc(32), leaf));
  });

  it.each([
    ['nodeHash', (): Buffer => nodeHash(Buffer.alloc(31), Buffer.alloc(32))],
    ['chainHash', (): Buffer => chainHash(Buffer.alloc(32), Buffer.alloc(33))],
  ])('should throw a RangeError when %s gets a hash of the wrong size', (_name, call) => {
    expect(call).toThrow(RangeError);
  });

  it('should give SHA-256 of the empty string when asked for the empty tree hash', () => {
    expect(EMPTY_TREE_HASH.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});
