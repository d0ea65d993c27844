import { decodeEntryBundle, encodeEntryBundle } from './entry-bundle';

describe('entry bundles', () => {
  it('should prefix each entry with its big-endian uint16 length when encoding', () => {
    const bundle = encodeEntryBundle([Buffer.from('ab'), Buffer.alloc(0), Buffer.alloc(300, 7)]);
    expect(bundle.subarray(0, 6).toString('hex')).toBe('000261620000');
    expect(bundle.subarray(6, 8).toString('hex')).toBe('012c');
    expect(bundle.length).toBe(2 + 2 + 2 + 0 + 2 + 300);
  });

  it('should give back the entries when a bundle is decoded', () => {
    const entries = [Buffer.from('{"sequence":0}'), Buffer.alloc(0), Buffer.alloc(65535, 1)];
    expect(decodeEntryBundle(encodeEntryBundle(entries))).toEqual(entries);
    expect(encodeEntryBundle([])).toEqual(Buffer.alloc(0));
  });

  it('should throw a RangeError when an entry is longer than 65535 bytes', () => {
    expect(() => encodeEntryBundle([Buffer.alloc(65536)])).toThrow(RangeError);
  });

  it.each([
    ['a cut length prefix', '00'],
    ['a cut entry', '0003abcd'],
  ])('should throw when the bundle has %s', (_label, hex) => {
    expect(() => decodeEntryBundle(Buffer.from(hex, 'hex'))).toThrow(/truncated/);
  });
});
