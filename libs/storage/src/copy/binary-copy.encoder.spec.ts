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
});
