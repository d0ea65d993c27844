import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { leafHash } from '../hashing/ledger-hashes';
import { decodeLeafData, encodeLeafData, LeafDataError, type LeafFields } from './leaf-data';

const entry: LeafFields = {
  sequence: 7,
  source: 'urn:scantrail:pacs',
  id: 'evt-7',
  type: 'org.scantrail.study.registered',
  time: '2026-01-02T03:04:05.678Z',
  subject: 'study/1.2.3',
  data: { studyInstanceUid: '1.2.3', patient: { value: 'ps:ab12', system: 'urn:mrn' }, é: 'ü' },
  payloadDigest: 'a'.repeat(64),
};

describe('leaf data codec', () => {
  it('should write the RFC 8785 canonical JSON of the eight entry fields when encoding', () => {
    // Member names sorted by UTF-16 code units, no whitespace, non-ASCII as is (CONTRACT 4).
    const expected =
      '{"data":{"patient":{"system":"urn:mrn","value":"ps:ab12"},"studyInstanceUid":"1.2.3","é":"ü"},' +
      '"id":"evt-7","payloadDigest":"' +
      'a'.repeat(64) +
      '","sequence":7,"source":"urn:scantrail:pacs","subject":"study/1.2.3",' +
      '"time":"2026-01-02T03:04:05.678Z","type":"org.scantrail.study.registered"}';
    const text = encodeLeafData(entry);
    expect(text).toBe(expected);
    // The leaf hash commits to exactly these UTF-8 bytes, after 0x00 (RFC 9162 2.1).
    const bytes = Buffer.from(expected, 'utf8');
    expect(leafHash(text)).toEqual(
      createHash('sha256')
        .update(Buffer.concat([Buffer.from([0]), bytes]))
        .digest(),
    );
  });

  it('should leave out anything else an entry carries when encoding', () => {
    const wider = { ...entry, leafData: 'x', recordedAt: 'y' } as LeafFields;
    expect(encodeLeafData(wider)).toBe(encodeLeafData(entry));
  });

  it('should give back the same fields when decoding what it encoded', () => {
    const text = fc.string();
    const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
    fc.assert(
      fc.property(
        fc.record({
          sequence: fc.nat(),
          source: text,
          id: text,
          type: text,
          time: text,
          subject: text,
          data: json,
          payloadDigest: text,
        }),
        (fields) => {
          expect(decodeLeafData(encodeLeafData(fields))).toEqual(fields);
        },
      ),
    );
  });

  it.each([
    ['not JSON', '{"sequence":', 'leaf data is not JSON'],
    ['an array', '[1]', 'leaf data is not a JSON object'],
    ['null', 'null', 'leaf data is not a JSON object'],
    ['without a sequence', encodeLeafData(entry).replace('"sequence":7,', ''), 'no sequence'],
    ['with a negative sequence', encodeLeafData({ ...entry, sequence: -1 }), 'no sequence'],
    ['with a fractional sequence', encodeLeafData({ ...entry, sequence: 1.5 }), 'no sequence'],
    [
      'with a numeric type',
      encodeLeafData(entry).replace('"org.scantrail.study.registered"', '3'),
      'no type',
    ],
    ['without data', JSON.stringify({ ...entry, data: undefined }), 'no data'],
  ])('should throw a LeafDataError when the leaf data is %s', (_, text, message) => {
    expect(() => decodeLeafData(text)).toThrow(LeafDataError);
    expect(() => decodeLeafData(text)).toThrow(message);
  });
});
