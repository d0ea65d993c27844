// KafkaJS's own record decoder as patches/kafkajs+2.2.4.patch leaves it (node_modules after
// `npm ci`). Unpatched, it folded the headers with an object spread per header: 20,000
// distinct headers took 62.8 s, 100,000 of one name 25.0 s, each blocking the thread.
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import Decoder from 'kafkajs/src/protocol/decoder';
import decodeRecord from 'kafkajs/src/protocol/recordBatch/record/v0/decoder';
import { assertPatchedRecordDecoder, headerCountOf } from './record-headers';

type Header = [name: string, value: Buffer | null];
type Headers = Record<string, Buffer | null | (Buffer | null)[]>;

/** A varint of the record format (zigzag, 7 bits a byte, low first). */
function varint(n: number): Buffer {
  let zigzag = n >= 0 ? n * 2 : -n * 2 - 1;
  const bytes: number[] = [];
  while (zigzag >= 0x80) {
    bytes.push((zigzag % 0x80) | 0x80);
    zigzag = Math.floor(zigzag / 0x80);
  }
  bytes.push(zigzag);
  return Buffer.from(bytes);
}

function varintBytes(bytes: Buffer | null): Buffer[] {
  return bytes === null ? [varint(-1)] : [varint(bytes.length), bytes];
}

/**
 * A record (after its length, as KafkaJS's batch decoder hands it) with `headers` in this
 * order; `count` says how many there are (default: the truth).
 */
function record(headers: Header[], count = headers.length): Buffer {
  return Buffer.concat([
    Buffer.from([0]), // attributes
    varint(0), // timestamp delta
    varint(0), // offset delta
    ...varintBytes(Buffer.from('k')),
    ...varintBytes(Buffer.from('{}')),
    varint(count),
    ...headers.flatMap(([name, value]) => [
      ...varintBytes(Buffer.from(name)),
      ...varintBytes(value),
    ]),
  ]);
}

const decoded = (bytes: Buffer) =>
  decodeRecord(new Decoder(bytes), { firstOffset: '7', firstTimestamp: '1700000000000' });

/** Milliseconds `work` takes. */
function timed<T>(work: () => T): [T, number] {
  const started = performance.now();
  const result = work();
  return [result, performance.now() - started];
}

/** KafkaJS 2.2.4's fold of the headers, as it was (the patch keeps its answers). */
function foldedAsKafkaJs224(headers: Header[]): Headers {
  return headers.reduce<Headers>(
    (obj, [key, value]) => ({
      ...obj,
      [key]:
        obj[key] === undefined
          ? value
          : Array.isArray(obj[key])
            ? obj[key].concat([value])
            : [obj[key], value],
    }),
    {},
  );
}

/** Bound for work the patch does in tens of milliseconds and KafkaJS 2.2.4 in 25 s or more. */
const GENEROUS_MS = 5_000;

describe('KafkaJS record headers (patches/kafkajs+2.2.4.patch)', () => {
  it('should find the patched decoder installed', () => {
    expect(() => assertPatchedRecordDecoder()).not.toThrow();
  });

  it("should tell a record's header count without decoding its headers when it has 20,000", () => {
    const headers = Array.from({ length: 20_000 }, (_, i): Header => [`h-${i}`, Buffer.from('v')]);
    const bytes = record(headers);
    const [message, ms] = timed(() => decoded(bytes));
    expect(ms).toBeLessThan(GENEROUS_MS);
    expect(message.headerCount).toBe(20_000);
    expect(headerCountOf(message as unknown as KafkaMessage)).toBe(20_000);
    expect(message.value?.toString()).toBe('{}');
    expect(message.offset).toBe('7');
  });

  it.each([
    [
      '20,000 distinct names',
      Array.from({ length: 20_000 }, (_, i): Header => [`h-${i}`, Buffer.from('v')]),
      (h: Headers) => Object.keys(h).length,
      20_000,
    ],
    [
      '100,000 of one name',
      Array.from({ length: 100_000 }, (): Header => ['', Buffer.alloc(0)]),
      (h: Headers) => (h[''] as unknown[]).length,
      100_000,
    ],
  ])('should decode %s in linear time when they are read', (_name, headers, size, expected) => {
    const bytes = record(headers);
    const [read, ms] = timed(() => decoded(bytes).headers);
    expect(ms).toBeLessThan(GENEROUS_MS);
    expect(size(read)).toBe(expected);
  });

  it('should give the headers KafkaJS 2.2.4 gave, repeated names as arrays in order', () => {
    const name = fc.constantFrom('a', 'b', 'ce_type', '', 'traceparent');
    const value = fc.option(fc.uint8Array({ maxLength: 4 }).map((b) => Buffer.from(b)));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 12 }), (headers) => {
        const message = decoded(record(headers));
        expect(message.headers).toEqual(foldedAsKafkaJs224(headers));
        expect(message.headerCount).toBe(headers.length);
      }),
    );
  });

  it('should keep names of Object.prototype as headers of their own, the prototype untouched', () => {
    const headers: Header[] = [
      ['__proto__', Buffer.from('p')],
      ['toString', Buffer.from('t')],
      ['constructor', Buffer.from('c1')],
      ['constructor', Buffer.from('c2')],
      ['__proto__', Buffer.from('q')],
    ];
    const read = decoded(record(headers)).headers;
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(Object.keys(read)).toEqual(['__proto__', 'toString', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(read, '__proto__')?.value).toEqual([
      Buffer.from('p'),
      Buffer.from('q'),
    ]);
    expect(read.toString).toEqual(Buffer.from('t'));
    expect(read.constructor).toEqual([Buffer.from('c1'), Buffer.from('c2')]);
    expect(Object.prototype.toString.call({})).toBe('[object Object]');
  });

  it('should stop at the end of the record when its header count says more than its bytes hold', () => {
    const message = decoded(record([['a', Buffer.from('b')]], 1_000_000_000));
    expect(message.headerCount).toBe(1_000_000_000);
    const [read, ms] = timed(() => message.headers);
    expect(ms).toBeLessThan(GENEROUS_MS);
    expect(read).toEqual({ a: Buffer.from('b') });
  });

  it('should let a consumer replace the headers', () => {
    const message = decoded(record([['a', Buffer.from('b')]]));
    message.headers = { c: Buffer.from('d') };
    expect(message.headers).toEqual({ c: Buffer.from('d') });
  });

  it('should count no headers for a message of the old message sets', () => {
    const legacy = { key: null, value: null, timestamp: '0', attributes: 0, offset: '0', size: 9 };
    expect(headerCountOf(legacy)).toBe(0);
  });
});
