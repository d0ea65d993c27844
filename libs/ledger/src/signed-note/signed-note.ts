// C2SP signed-note: text ending in "\n", a blank line, then lines
// "— <key name> <base64(4-byte big-endian key id || signature)>\n". Behaviour follows
// golang.org/x/mod/sumdb/note: unknown keys are ignored, a known key's bad signature
// rejects the whole note, and at least one known key must have signed.
import { decodeStrictBase64 } from '../encoding/strict-base64';
import { NoteSigner, NoteVerifier, formatKeyId, isValidKeyName } from './note-keys';

const SIGNATURE_PREFIX = '\u2014 ';
// Verifiers must accept at least 16 signatures; more than this is treated as abuse.
const MAX_SIGNATURES = 100;

export interface OpenedNote {
  text: string;
  /** Names of the keys whose signatures verified, in note order. */
  verifiedBy: string[];
}

export function signNote(text: string, signer: NoteSigner): string {
  if (!text.endsWith('\n')) {
    throw new Error('note text must end with a newline');
  }
  if (!isWellFormedNoteText(text)) {
    throw new Error(
      'note text must be valid Unicode without control characters other than newline',
    );
  }
  if (!isValidKeyName(signer.name)) {
    throw new Error('signer name must be non-empty, without spaces, "+" or control characters');
  }
  const signature = signer.sign(Buffer.from(text, 'utf8'));
  const idBytes = Buffer.alloc(4);
  idBytes.writeUInt32BE(signer.keyId);
  const encoded = Buffer.concat([idBytes, signature]).toString('base64');
  return `${text}\n${SIGNATURE_PREFIX}${signer.name} ${encoded}\n`;
}

/** Verifies a signed note; throws if it is malformed or no known key signed it validly. */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): OpenedNote {
  if (!isWellFormedNoteText(note)) {
    throw new Error('malformed note: not valid Unicode or contains control characters');
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0) {
    throw new Error('malformed note: no blank line before the signatures');
  }
  const text = note.slice(0, split + 1);
  const signatureBlock = note.slice(split + 2);
  if (signatureBlock === '' || !signatureBlock.endsWith('\n')) {
    throw new Error('malformed note: the signature block must end with a newline');
  }
  const lines = signatureBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) {
    throw new Error(`malformed note: more than ${MAX_SIGNATURES} signatures`);
  }
  const message = Buffer.from(text, 'utf8');
  const verifiedBy: string[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    const { name, keyId, signature } = parseSignatureLine(line);
    const key = `${name}+${formatKeyId(keyId)}`;
    const matches = verifiers.filter((v) => v.name === name && v.keyId === keyId);
    if (matches.length === 0 || seen.has(key)) {
      continue;
    }
    if (matches.length > 1) {
      throw new Error(`ambiguous key ${key}: more than one verifier has this name and id`);
    }
    seen.add(key);
    if (!matches[0].verify(message, signature)) {
      throw new Error(`invalid signature for key ${key}`);
    }
    verifiedBy.push(name);
  }
  if (verifiedBy.length === 0) {
    throw new Error('note has no verifiable signatures from the known keys');
  }
  return { text, verifiedBy };
}

function parseSignatureLine(line: string): { name: string; keyId: number; signature: Buffer } {
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    throw new Error('malformed note: a signature line must start with an em dash and a space');
  }
  const body = line.slice(SIGNATURE_PREFIX.length);
  const space = body.indexOf(' ');
  const name = space < 0 ? body : body.slice(0, space);
  const encoded = space < 0 ? '' : body.slice(space + 1);
  const raw = decodeStrictBase64(encoded);
  if (!isValidKeyName(name) || encoded === '' || raw === undefined || raw.length < 5) {
    throw new Error('malformed note: a signature line must be "— <name> <base64 signature>"');
  }
  return { name, keyId: raw.readUInt32BE(0), signature: raw.subarray(4) };
}

// Valid UTF-8 (in a JS string: no lone surrogate) and no ASCII control character but "\n".
function isWellFormedNoteText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x0a) {
      return false;
    }
  }
  return !/\p{Surrogate}/u.test(text);
}
