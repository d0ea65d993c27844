import fc from 'fast-check';
import { canonicalJson, chainHash, leafHash, ZERO_CHAIN_HASH } from '@scantrail/ledger';
import { LeafCheckPool } from './leaf-check.pool';
import { checkLeafPage, leafText, type LeafPageJob } from './leaf-page-check';

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
  ])('should leave an entry to the full canonical check when it has %s', (_, text) => {
    expect(checkLeafPage(pageOf(0, [text])).fullCheck).toEqual([0]);
  });

  it.each([
    ['integer-like member names in UTF-16 order', '{"10":1,"9":2,"sequence":0}'],
    [
      'the escapes JSON.stringify writes',
      '{"a":"\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u001f","sequence":0}',
    ],
    ['a surrogate pair and DEL', '{"a":"\ud83d\ude00\u007f","sequence":0}'],
    ['numbers as Number::toString writes them', '{"a":[1e+21,-1.5,0.000001,1e-7],"sequence":0}'],
  ])('should settle an entry without the full check when it has %s', (_, text) => {
    expect(canonicalJson(JSON.parse(text))).toBe(text);
    expect(checkLeafPage(pageOf(0, [text]))).toEqual({ fullCheck: [] });
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
