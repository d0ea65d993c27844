// C2SP signed-note Ed25519 keys in the golang.org/x/mod/sumdb/note text formats:
//   signer   PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || 32-byte seed)>
//   verifier <name>+<8 hex key id>+<base64(0x01 || 32-byte public key)>
// key id = first 4 bytes (big-endian) of SHA-256(name || 0x0A || 0x01 || public key).
import {
  KeyObject,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import { sha256 } from '../hashing/ledger-hashes';
import { decodeStrictBase64 } from '../encoding/strict-base64';

export interface NoteSigner {
  name: string;
  keyId: number;
  /** The public verifier key matching this signer. */
  verifierKey: string;
  sign(message: Buffer): Buffer;
}

export interface NoteVerifier {
  name: string;
  keyId: number;
  verify(message: Buffer, signature: Buffer): boolean;
}

const ALG_ED25519 = 0x01;
const ED25519_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
// DER wrappers that turn a raw 32-byte Ed25519 seed / public key into PKCS#8 / SPKI.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Key names are non-empty, without Unicode spaces, "+" or control characters. */
export function isValidKeyName(name: string): boolean {
  return (
    name !== '' &&
    !/[\s\u0085+\p{Cc}]/u.test(name) &&
    // A lone surrogate has no UTF-8 encoding.
    !/\p{Surrogate}/u.test(name)
  );
}

export function noteKeyId(name: string, publicKey: Uint8Array): number {
  const digest = sha256(Buffer.from(name, 'utf8'), Buffer.from([0x0a, ALG_ED25519]), publicKey);
  return digest.readUInt32BE(0);
}

export function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

export function generateSignerKey(name: string): { signerKey: string; verifierKey: string } {
  assertName(name, 'key name');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-ED25519_KEY_SIZE);
  const raw = rawPublicKey(publicKey);
  const id = formatKeyId(noteKeyId(name, raw));
  return {
    signerKey: `PRIVATE+KEY+${name}+${id}+${encodeKey(seed)}`,
    verifierKey: `${name}+${id}+${encodeKey(raw)}`,
  };
}

/** Parses a signer key; errors say which part is wrong and never echo key material. */
export function parseSignerKey(signerKey: string): NoteSigner {
  const parts = splitKey(signerKey, 5);
  if (parts.length !== 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
    throw new Error('signer key must look like PRIVATE+KEY+<name>+<key id>+<key>');
  }
  const [, , name, idText, keyText] = parts;
  assertName(name, 'signer key name');
  const keyId = parseKeyId(idText, 'signer key');
  const seed = parseKeyData(keyText, 'signer key');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  if (noteKeyId(name, publicKey) !== keyId) {
    throw new Error('signer key id does not match its name and key');
  }
  const verifierKey = `${name}+${formatKeyId(keyId)}+${encodeKey(publicKey)}`;
  return {
    name,
    keyId,
    verifierKey,
    sign: (message: Buffer): Buffer => sign(null, message, privateKey),
  };
}

export function parseVerifierKey(verifierKey: string): NoteVerifier {
  const parts = splitKey(verifierKey, 3);
  if (parts.length !== 3) {
    throw new Error('verifier key must look like <name>+<key id>+<key>');
  }
  const [name, idText, keyText] = parts;
  assertName(name, 'verifier key name');
  const keyId = parseKeyId(idText, 'verifier key');
  const raw = parseKeyData(keyText, 'verifier key');
  if (noteKeyId(name, raw) !== keyId) {
    throw new Error('verifier key id does not match its name and key');
  }
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, raw]),
    format: 'der',
    type: 'spki',
  });
  return {
    name,
    keyId,
    verify: (message: Buffer, signature: Buffer): boolean =>
      signature.length === ED25519_SIGNATURE_SIZE && verify(null, message, publicKey, signature),
  };
}

// Splits on the first (count - 1) "+" only: base64 key data may itself contain "+".
function splitKey(key: string, count: number): string[] {
  const parts: string[] = [];
  let rest = key;
  while (parts.length < count - 1) {
    const at = rest.indexOf('+');
    if (at < 0) {
      break;
    }
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

function parseKeyId(text: string, what: string): number {
  if (!/^[0-9a-fA-F]{8}$/.test(text)) {
    throw new Error(`${what} id must be 8 hexadecimal digits`);
  }
  return Number.parseInt(text, 16);
}

function parseKeyData(text: string, what: string): Buffer {
  const data = decodeStrictBase64(text);
  if (data === undefined || data.length === 0) {
    throw new Error(`${what} data is not valid base64`);
  }
  if (data[0] !== ALG_ED25519) {
    throw new Error(`${what} algorithm is not Ed25519 (type byte 0x01)`);
  }
  if (data.length !== 1 + ED25519_KEY_SIZE) {
    throw new Error(`${what} data must be 1 + ${ED25519_KEY_SIZE} bytes, got ${data.length}`);
  }
  return data.subarray(1);
}

function assertName(name: string, what: string): void {
  if (!isValidKeyName(name)) {
    throw new Error(`${what} must be non-empty, without spaces, "+" or control characters`);
  }
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(-ED25519_KEY_SIZE);
}

function encodeKey(raw: Uint8Array): string {
  return Buffer.concat([Buffer.from([ALG_ED25519]), raw]).toString('base64');
}
