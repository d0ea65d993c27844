// PSEUDONYM_KEY text -> key bytes. Error messages describe the problem, never the key.

export const MIN_PSEUDONYM_KEY_BYTES = 32;

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

/**
 * Reads a pseudonym key: 64 or more hex digits are read as hex, anything else as base64
 * (standard or URL-safe, padding optional). The key must hold at least 32 bytes.
 */
export function parsePseudonymKey(text: string): Buffer {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new Error('pseudonym key is empty');
  let key: Buffer;
  if (trimmed.length >= 2 * MIN_PSEUDONYM_KEY_BYTES && HEX.test(trimmed)) {
    if (trimmed.length % 2 !== 0) {
      throw new Error(`pseudonym key: hex form has an odd number of digits (${trimmed.length})`);
    }
    key = Buffer.from(trimmed, 'hex');
  } else {
    const body = trimmed.replace(/=+$/, '');
    if (!BASE64.test(trimmed) || body.length % 4 === 1) {
      throw new Error(
        'pseudonym key is neither 64 or more hex digits nor valid base64 (characters outside the base64 alphabet or a bad length)',
      );
    }
    key = Buffer.from(body, body.includes('-') || body.includes('_') ? 'base64url' : 'base64');
  }
  if (key.length < MIN_PSEUDONYM_KEY_BYTES) {
    throw new Error(
      `pseudonym key is too short: ${key.length} bytes, at least ${MIN_PSEUDONYM_KEY_BYTES} are required`,
    );
  }
  return key;
}
