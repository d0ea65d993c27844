import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json/canonical-json';
import { leafHash } from '../hashing/ledger-hashes';
import {
  decodeLeafData,
  encodeLeafData,
  LeafDataError,
  leafDataAt,
  leafDataTemplate,
  type LeafFields,
} from './leaf-data';

/** The leaf data as canonicalJson writes the object of the eight fields: the oracle. */
const objectForm = (e: LeafFields): string =>
  canonicalJson({
    data: e.data,
    id: e.id,
    payloadDigest: e.payloadDigest,
    sequence: e.sequence,
    source: e.source,
    subject: e.subject,
    time: e.time,
    type: e.type,
  });

/** What `f` gives, or the message of what it throws. */
const outcome = (f: () => string): { text: string } | { error: string } => {
  try {
    return { text: f() };
  } catch (error) {
    return { error: String(error) };
  }
};

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

  it('should write what canonicalJson writes for the object of the fields, or throw its error, whatever they hold', () => {
    // Strings with escapes, non-ASCII, lone surrogates; data of any JSON shape or none;
    // fields of the wrong type; sequences that are not safe integers.
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({
        unit: fc.constantFrom('a', '"', '\\', '\n', '\u0001', 'é', '\ud800', '\udc00', '😀'),
      }),
    );
    const odd = fc.oneof(
      text,
      fc.constant(undefined),
      fc.integer(),
      fc.constant(null),
      fc.object(),
    );
    const data = fc.oneof(
      fc.jsonValue(),
      fc.object(),
      fc.constant(undefined),
      fc.constant(() => 1),
      fc.dictionary(text, text),
      fc.constant(Number.NaN),
      fc.constant({ toJSON: () => 'x' }),
    );
    fc.assert(
      fc.property(
        fc.record({
          sequence: fc.oneof(
            fc.nat(),
            fc.maxSafeNat(),
            fc.integer({ min: -5, max: 5 }),
            fc.constantFrom(1.5, -0, Number.NaN, 2 ** 60),
          ),
          source: fc.oneof({ weight: 4, arbitrary: text }, odd),
          id: fc.oneof({ weight: 4, arbitrary: text }, odd),
          type: fc.oneof({ weight: 4, arbitrary: text }, odd),
          time: fc.oneof({ weight: 4, arbitrary: text }, odd),
          subject: fc.oneof({ weight: 4, arbitrary: text }, odd),
          data,
          payloadDigest: fc.oneof({ weight: 4, arbitrary: text }, odd),
        }),
        (fields) => {
          const e = fields as LeafFields;
          expect(outcome(() => encodeLeafData(e))).toEqual(outcome(() => objectForm(e)));
          const template = leafDataTemplate(e);
          if (template && Number.isSafeInteger(e.sequence)) {
            expect(leafDataAt(template, e.sequence)).toBe(objectForm(e));
          }
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('should give a template for the fields every ingested entry has, and none when data is missing', () => {
    const { sequence, ...fields } = entry;
    const template = leafDataTemplate(fields);
    expect(template && leafDataAt(template, sequence)).toBe(encodeLeafData(entry));
    expect(leafDataTemplate({ ...fields, data: undefined })).toBeUndefined();
    expect(leafDataTemplate({ ...fields, id: 'lone \ud800' })).toBeUndefined();
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
