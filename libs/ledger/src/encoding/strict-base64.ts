// Buffer.from(s, 'base64') skips bad characters and tolerates missing padding; signed
// notes and checkpoints need exactly the standard (RFC 4648 section 4) canonical form.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes canonical padded standard base64, or returns undefined. */
export function decodeStrictBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) {
    return undefined;
  }
  const bytes = Buffer.from(text, 'base64');
  // Rejects non-zero unused bits, so that each byte string has exactly one encoding.
  return bytes.toString('base64') === text ? bytes : undefined;
}
