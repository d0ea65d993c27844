import { parseVerifierKey, verifyCheckpoint, type LedgerClaim } from './checkpoint-verifier';

// Made once with @scantrail/ledger (generateSignerKey, formatCheckpoint, signNote), so the
// browser code is checked against what the API signs.
const VERIFIER_KEY = 'example.test/ledger+0745a461+AWmOmiBZDNq6TPHgrmeb7oh2OaQVC4hjZmHNcH0fvRWF';
const OTHER_KEY = 'example.test/ledger+8e74ac09+AU+92ZyDLwHHSzRhtEHjOY+R6XoizhfNJ8rSK/ioDLKD';
const ROOT = 'SBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=';
const NOTE =
  'example.test/ledger\n12345\nSBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=\n\n' +
  '\u2014 example.test/ledger B0WkYXHGXwJ7bqf/3Fdz8COXXr5t8x2NWTTY/wdaE2KAK31cCVo7tNgsgd+LTB0a+qzFUcdN72HIGKy0p1WDz1Rzow8=\n';

const claim: LedgerClaim = {
  treeSize: 12345,
  rootHash: ROOT,
  checkpoint: NOTE,
  verifierKey: VERIFIER_KEY,
};

describe('verifyCheckpoint', () => {
  it('should verify when the note is signed by the key and states the size and root', async () => {
    const result = await verifyCheckpoint(claim);
    expect(result.checks.map((c) => [c.ok, c.detail])).toEqual([
      [true, undefined],
      [true, undefined],
      [true, undefined],
    ]);
    expect(result).toMatchObject({
      verified: true,
      origin: 'example.test/ledger',
      keyName: 'example.test/ledger',
      keyId: '0745a461',
    });
  });

  const failing: [string, Partial<LedgerClaim>, RegExp][] = [
    ['the tree size differs', { treeSize: 12346 }, /checkpoint says 12345/],
    [
      'the root hash differs',
      { rootHash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
      /checkpoint says SBNJ/,
    ],
    [
      'the text was altered',
      { checkpoint: NOTE.replace('12345', '12346'), treeSize: 12346 },
      /does not verify/,
    ],
    ['another key is trusted', { verifierKey: OTHER_KEY }, /no signature by the verifier key/],
    [
      'the key id does not match the key',
      { verifierKey: VERIFIER_KEY.replace('0745a461', '0745a462') },
      /key id does not match/,
    ],
    ['the verifier key is malformed', { verifierKey: 'nonsense' }, /must look like/],
    [
      'the note has no signature block',
      { checkpoint: 'example.test/ledger\n12345\n' },
      /no signature block/,
    ],
  ];
  it.each(failing)('should not verify when %s', async (_, change, reason) => {
    const result = await verifyCheckpoint({ ...claim, ...change });
    expect(result.verified).toBe(false);
    expect(
      result.checks
        .filter((c) => !c.ok)
        .map((c) => c.detail)
        .join(' | '),
    ).toMatch(reason);
  });
});

describe('parseVerifierKey', () => {
  it('should read the name and key id when the key is well formed', async () => {
    const key = await parseVerifierKey(VERIFIER_KEY, crypto.subtle);
    expect(key).toMatchObject({ name: 'example.test/ledger', keyId: 0x0745a461 });
  });
});
