import fc from 'fast-check';
import { BinaryCopyEncoder } from './binary-copy.encoder';

/** The bytes of one int8 field: length 8, then the value big-endian. */
function int8Field(value: number | bigint): Buffer {
  const payload = new BinaryCopyEncoder().row(1).int8(value).finish();
  // Header (19 bytes) and field count (2) before it, trailer (2) after.
  return payload.subarray(21, payload.length - 2);
}

describe('BinaryCopyEncoder', () => {
  it("should write an int8 as its 64-bit two's complement when given any safe integer", () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.constantFrom(0, 1, -1, 2 ** 32, -(2 ** 32)),
        (n, shift) => {
          const value = Number.isSafeInteger(n + shift) ? n + shift : n;
          const expected = Buffer.alloc(12);
          expected.writeInt32BE(8, 0);
          expected.writeBigInt64BE(BigInt(value), 4);
          expect(int8Field(value)).toEqual(expected);
          expect(int8Field(BigInt(value))).toEqual(expected);
        },
      ),
    );
  });

  it('should write each text as its UTF-8 length and bytes when the buffer has room or must grow', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\ud800', '\udc00'), maxLength: 120 }),
    );
    fc.assert(
      fc.property(
        fc.array(text, { maxLength: 20 }),
        fc.integer({ min: 1, max: 600 }),
        (values, size) => {
          const encoder = new BinaryCopyEncoder(size).row(values.length);
          for (const v of values) encoder.text(v);
          const expected = Buffer.concat(
            values.flatMap((v) => {
              const length = Buffer.alloc(4);
              length.writeInt32BE(Buffer.byteLength(v, 'utf8'));
              return [length, Buffer.from(v, 'utf8')];
            }),
          );
          const payload = encoder.finish();
          expect(payload.subarray(21, payload.length - 2)).toEqual(expected);
        },
      ),
    );
  });

  it('should write the same field from UTF-8 bytes as from the text when textFrom gets a range', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.nat(8),
        fc.integer({ min: 1, max: 300 }),
        (v, pad, size) => {
          const bytes = Buffer.concat([
            Buffer.alloc(pad, 7),
            Buffer.from(v, 'utf8'),
            Buffer.alloc(3, 9),
          ]);
          const fromBytes = new BinaryCopyEncoder(size)
            .row(2)
            .textFrom(bytes, pad, pad + Buffer.byteLength(v, 'utf8'))
            .int4(5)
            .finish();
          expect(fromBytes).toEqual(new BinaryCopyEncoder(size).row(2).text(v).int4(5).finish());
        },
      ),
    );
  });
});
