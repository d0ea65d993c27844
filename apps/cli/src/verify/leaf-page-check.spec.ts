import fc from 'fast-check';
import { canonicalJson, chainHash, leafHash, ZERO_CHAIN_HASH } from '@scantrail/ledger';
import { LeafCheckPool } from './leaf-check.pool';
import { checkLeafPage, leafText, type LeafPageJob, type PackedLeaves } from './leaf-page-check';

const leaf = (sequence: number, extra: Record<string, unknown> = {}): string =>
  canonicalJson({
    sequence,
    source: 'urn:test',
    id: `e${sequence}`,
    data: { n: sequence, ...extra },
  });

/** A page as the sequencer would have written it, from `first` on. */
function pageOf(
  first: number,
  leafData: string[],
  previous: Buffer = ZERO_CHAIN_HASH,
): LeafPageJob {
  const leaves = leafData.map((d) => leafHash(d));
  let chain = previous;
  const chains = leaves.map((l) => (chain = chainHash(chain, l)));
  return {
    first,
    leafData,
    leafHashes: Buffer.concat(leaves),
    chainHashes: Buffer.concat(chains),
    previousChain: previous,
    maxLeafBytes: 65535,
  };
}

/** Leaf data as the database source packs it: each leaf's UTF-8 bytes after a 0x00. */
function packed(leafData: readonly string[]): PackedLeaves {
  const parts = leafData.map((text) => Buffer.concat([Buffer.from([0]), Buffer.from(text)]));
  let end = 0;
  return {
    bytes: Buffer.concat(parts),
    ends: Int32Array.from(parts, (part) => (end += part.length)),
  };
}

/** The same page with its leaf data packed as bytes (what verify reads from PostgreSQL). */
const asPacked = (page: LeafPageJob): LeafPageJob => ({
  ...page,
  leafData: packed(page.leafData as string[]),
});

describe('checkLeafPage', () => {
  it('should find no problem when every entry is as the sequencer wrote it', () => {
    const texts = [0, 1, 2, 3].map((s) => leaf(s, { name: 'é中😀' }));
    expect(checkLeafPage(pageOf(0, texts))).toEqual({ fullCheck: [] });
  });

  it('should chain from the previous page when the page starts later', () => {
    const previous = chainHash(ZERO_CHAIN_HASH, leafHash('x'));
    expect(checkLeafPage(pageOf(7, [leaf(7), leaf(8)], previous)).problem).toBeUndefined();
    const wrongStart = {
      ...pageOf(7, [leaf(7), leaf(8)], previous),
      previousChain: ZERO_CHAIN_HASH,
    };
    expect(checkLeafPage(wrongStart).problem).toEqual({
      offset: 0,
      message: 'chain hash does not match the previous chain hash and this leaf',
    });
  });

  it.each([
    [
      'not JSON',
      (p: LeafPageJob) => ({ ...p, leafData: [leafText(p.leafData, 0), '{oops'] }),
      'leaf data is not JSON',
    ],
    [
      'the wrong sequence',
      (p: LeafPageJob) => pageOf(0, [leafText(p.leafData, 0), leaf(5)]),
      'leaf data names sequence 5',
    ],
    [
      'a leaf hash that is not its data',
      (p: LeafPageJob) => ({ ...p, leafData: [leafText(p.leafData, 0), leaf(1, { n: 9 })] }),
      'leaf hash does not match the leaf data',
    ],
    [
      'a chain hash that is not the chain',
      (p: LeafPageJob) => {
        const chainHashes = Buffer.from(p.chainHashes);
        chainHashes[40] ^= 1;
        return { ...p, chainHashes };
      },
      'chain hash does not match the previous chain hash and this leaf',
    ],
  ])('should stop at the second entry when it has %s', (_, change, message) => {
    const result = checkLeafPage(change(pageOf(0, [leaf(0), leaf(1), leaf(2)])));
    expect(result.problem).toEqual({ offset: 1, message });
  });

  it('should name an entry whose leaf data no C2SP entry bundle can frame', () => {
    const page = { ...pageOf(0, [leaf(0), leaf(1)]), maxLeafBytes: 40 };
    expect(checkLeafPage(page).problem?.message).toMatch(
      /^leaf data is \d+ bytes, more than the 40/,
    );
  });

  it.each([
    ['members out of order', '{"sequence":0,"a":1}'],
    ['whitespace', '{"a":1, "sequence":0}'],
    ['integer-like member names out of order', '{"9":2,"10":1,"sequence":0}'],
    ['an escaped lone surrogate', '{"a":"\\ud800","sequence":0}'],
    ['a non-minimal escape', '{"a":"\\u0041","sequence":0}'],
    ['an escaped solidus', '{"a":"\\/","sequence":0}'],
    ['an uppercase escape', '{"a":"\\u001F","sequence":0}'],
    ['a number with a trailing zero', '{"a":1.0,"sequence":0}'],
    ['a number with an exponent JCS would not write', '{"a":1E2,"sequence":0}'],
    ['minus zero', '{"a":-0,"sequence":0}'],
    ['a sequence with an exponent', '{"sequence":0e0}'],
    ['a member name twice', '{"a":1,"a":1,"sequence":0}'],
    ['a member name that is a prefix of the one before', '{"ab":1,"a":1,"sequence":0}'],
    ['a member name beyond ASCII', '{"a":1,"é":2,"sequence":0}'],
  ])('should leave an entry to the full canonical check when it has %s', (_, text) => {
    expect(checkLeafPage(pageOf(0, [text])).fullCheck).toEqual([0]);
    expect(checkLeafPage(asPacked(pageOf(0, [text]))).fullCheck).toEqual([0]);
  });

  it.each([
    ['integer-like member names in UTF-16 order', '{"10":1,"9":2,"sequence":0}'],
    [
      'the escapes JSON.stringify writes',
      '{"a":"\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u001f","sequence":0}',
    ],
    ['a surrogate pair and DEL', '{"a":"\ud83d\ude00\u007f","sequence":0}'],
    ['numbers as Number::toString writes them', '{"a":[1e+21,-1.5,0.000001,1e-7],"sequence":0}'],
    [
      'a large integer and a negative one',
      '{"a":[123456789012345,-42,9007199254740991],"sequence":0}',
    ],
  ])('should settle an entry without the full check when it has %s', (_, text) => {
    expect(canonicalJson(JSON.parse(text))).toBe(text);
    expect(checkLeafPage(pageOf(0, [text]))).toEqual({ fullCheck: [] });
    expect(checkLeafPage(asPacked(pageOf(0, [text])))).toEqual({ fullCheck: [] });
  });

  it.each([
    ['a string', '{"sequence":"0"}', 'leaf data names sequence 0'],
    [
      'an object holding the number',
      '{"sequence":{"n":0}}',
      'leaf data names sequence [object Object]',
    ],
    ['a leading zero', '{"sequence":00}', 'leaf data is not JSON'],
  ])('should refuse a sequence given as %s, packed or not', (_, text, message) => {
    const expected = { problem: { offset: 0, message }, fullCheck: [] };
    expect(checkLeafPage(pageOf(0, [text]))).toEqual(expected);
    expect(checkLeafPage(asPacked(pageOf(0, [text])))).toEqual(expected);
  });

  it('should give the same answer for packed bytes as for text when an entry is changed', () => {
    const texts = [0, 1, 2].map((s) => leaf(s, { name: 'é中😀' }));
    const changes: LeafPageJob[] = [
      pageOf(0, texts),
      { ...pageOf(0, texts), leafData: [texts[0], '{oops', texts[2]] },
      pageOf(0, [texts[0], leaf(5), texts[2]]),
      { ...pageOf(0, texts), leafData: [texts[0], texts[1].replace('"n":1', '"n":9'), texts[2]] },
      pageOf(0, [texts[0], '{"sequence":1,"a":1}', texts[2]]),
      { ...pageOf(0, texts), maxLeafBytes: 40 },
    ];
    for (const page of changes) expect(checkLeafPage(asPacked(page))).toEqual(checkLeafPage(page));
  });

  it('should leave a packed leaf that is not UTF-8 to JSON.parse, hashing the bytes as stored', () => {
    const page = asPacked(pageOf(0, [leaf(0), leaf(1)]));
    const { bytes, ends } = page.leafData as PackedLeaves;
    // A lone 0xff inside the second leaf's "urn:test": not UTF-8, decoded as U+FFFD.
    const at = Buffer.from(bytes).indexOf('urn:test', ends[0]);
    bytes[at] = 0xff;
    const result = checkLeafPage(page);
    expect(result.fullCheck).toEqual([]);
    expect(result.problem).toEqual({
      offset: 1,
      message: 'leaf hash does not match the leaf data',
    });
  });

  it('should never let a non-canonical text pass unchecked when given any JSON in any member order', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
        fc.boolean(),
        (data, sorted) => {
          const value = JSON.parse(JSON.stringify({ data, sequence: 0 })) as object;
          const text = sorted ? canonicalJson(value) : JSON.stringify(value);
          const result = checkLeafPage(pageOf(0, [text]));
          expect(result.problem).toBeUndefined();
          if (canonicalJson(JSON.parse(text)) !== text) expect(result.fullCheck).toEqual([0]);
          // Lone surrogates have no UTF-8 form: only well-formed text can come packed.
          if (text.isWellFormed())
            expect(checkLeafPage(asPacked(pageOf(0, [text])))).toEqual(result);
        },
      ),
    );
  });

  it('should give the same answers on worker threads as inline', async () => {
    const texts = Array.from({ length: 50 }, (_, s) => leaf(s));
    const bad = {
      ...pageOf(0, texts),
      leafData: [...texts.slice(0, 20), '{"10":1,"sequence":20}', ...texts.slice(21)],
    };
    const pool = new LeafCheckPool(2);
    try {
      const answers = await Promise.all([
        pool.check(pageOf(0, texts)),
        pool.check(bad),
        pool.check(pageOf(0, texts)),
      ]);
      expect(answers).toEqual([
        checkLeafPage(pageOf(0, texts)),
        checkLeafPage(bad),
        checkLeafPage(pageOf(0, texts)),
      ]);
      expect(answers[1].problem?.offset).toBe(20);
    } finally {
      await pool.close();
    }
  });
});
