import { formatCheckpoint, parseCheckpoint } from './checkpoint';

// The example checkpoint of C2SP tlog-checkpoint.
const EXAMPLE =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const ROOT = Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64');

describe('checkpoint', () => {
  it('should parse the C2SP example when given its note text', () => {
    expect(parseCheckpoint(EXAMPLE)).toEqual({
      origin: 'example.com/behind-the-sofa',
      size: 20852163,
      rootHash: ROOT,
    });
  });

  it('should format the C2SP example byte for byte when given its fields', () => {
    expect(
      formatCheckpoint({ origin: 'example.com/behind-the-sofa', size: 20852163, rootHash: ROOT }),
    ).toBe(EXAMPLE);
  });

  it('should keep extension lines when they are present', () => {
    const checkpoint = { origin: 'o', size: 0, rootHash: ROOT, extensions: ['ext one', 'two'] };
    const text = formatCheckpoint(checkpoint);
    expect(text.endsWith('\next one\ntwo\n')).toBe(true);
    expect(parseCheckpoint(text)).toEqual(checkpoint);
  });

  it.each([
    ['no final newline', EXAMPLE.slice(0, -1), /end with a newline/],
    ['two lines', 'origin\n5\n', /at least 3 lines/],
    ['an empty origin', `\n5\n${ROOT.toString('base64')}\n`, /origin/],
    ['a leading zero in the size', `o\n05\n${ROOT.toString('base64')}\n`, /size/],
    ['a negative size', `o\n-5\n${ROOT.toString('base64')}\n`, /size/],
    ['a size past 2^53', `o\n9007199254740993\n${ROOT.toString('base64')}\n`, /size/],
    ['a short root hash', 'o\n5\nAAAA\n', /root hash/],
    ['unpadded base64', `o\n5\n${ROOT.toString('base64').replace('=', '')}\n`, /root hash/],
    ['an empty extension line', `o\n5\n${ROOT.toString('base64')}\n\n`, /extension line 1/],
  ])('should throw a clear error when the text has %s', (_label, text, message) => {
    expect(() => parseCheckpoint(text)).toThrow(message);
  });

  it.each([
    ['an origin with a newline', { origin: 'a\nb', size: 1, rootHash: ROOT }],
    ['an empty origin', { origin: '', size: 1, rootHash: ROOT }],
    ['a fractional size', { origin: 'o', size: 1.5, rootHash: ROOT }],
    ['a 31-byte root', { origin: 'o', size: 1, rootHash: ROOT.subarray(1) }],
    ['an empty extension', { origin: 'o', size: 1, rootHash: ROOT, extensions: [''] }],
  ])('should refuse to format %s', (_label, checkpoint) => {
    expect(() => formatCheckpoint(checkpoint)).toThrow();
  });
});
