import { randomBytes } from 'node:crypto';
import { parsePseudonymKey } from './pseudonym-key';

describe('parsePseudonymKey', () => {
  const bytes = randomBytes(48);

  it.each([
    ['64 hex digits', bytes.subarray(0, 32).toString('hex'), bytes.subarray(0, 32)],
    ['96 upper-case hex digits', bytes.toString('hex').toUpperCase(), bytes],
    ['hex with surrounding whitespace', `  ${bytes.toString('hex')}\n`, bytes],
    ['standard base64', bytes.toString('base64'), bytes],
    [
      'base64 of 32 bytes with padding',
      bytes.subarray(0, 32).toString('base64'),
      bytes.subarray(0, 32),
    ],
    ['base64url', bytes.toString('base64url'), bytes],
  ])('should read the key when given %s', (_name, text, expected) => {
    expect(parsePseudonymKey(text).equals(expected)).toBe(true);
  });

  it('should read 64+ digits as hex when they could also be base64', () => {
    const text = 'ab'.repeat(32);
    expect(parsePseudonymKey(text)).toEqual(Buffer.alloc(32, 0xab));
  });

  it.each([
    ['an empty string', '', /empty/],
    ['whitespace', '   ', /empty/],
    ['16 bytes of base64', randomBytes(16).toString('base64'), /too short: 16 bytes/],
    ['31 bytes of base64', randomBytes(31).toString('base64'), /too short: 31 bytes/],
    ['65 hex digits', 'a'.repeat(65), /odd number of digits/],
    ['text outside the base64 alphabet', 'not a key at all, definitely not!', /neither/],
    ['a mix of base64 alphabets', `${'A'.repeat(40)}+_${'B'.repeat(4)}`, /neither/],
    ['an impossible base64 length', 'A'.repeat(45), /neither/],
  ])('should throw a clear error without the key when given %s', (_name, text, message) => {
    let error: unknown;
    try {
      parsePseudonymKey(text);
    } catch (caught: unknown) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    const { message: text_ } = error as Error;
    expect(text_).toMatch(message);
    if (text.trim().length > 0) expect(text_).not.toContain(text.trim());
  });
});
