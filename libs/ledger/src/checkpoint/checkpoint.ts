// C2SP tlog-checkpoint note text: origin, tree size, base64 root hash, optional extension
// lines, each ending in a newline. Signing is separate (signed-note).
import { HASH_SIZE } from '../hashing/ledger-hashes';
import { decodeStrictBase64 } from '../encoding/strict-base64';

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  extensions?: string[];
}

export function formatCheckpoint(c: Checkpoint): string {
  assertLine('origin', c.origin);
  if (!Number.isSafeInteger(c.size) || c.size < 0) {
    throw new RangeError(
      `checkpoint size must be a non-negative safe integer, got ${String(c.size)}`,
    );
  }
  if (c.rootHash.length !== HASH_SIZE) {
    throw new RangeError(
      `checkpoint root hash must be ${HASH_SIZE} bytes, got ${c.rootHash.length}`,
    );
  }
  const extensions = c.extensions ?? [];
  extensions.forEach((line, i) => assertLine(`extension line ${i + 1}`, line));
  const lines = [c.origin, String(c.size), c.rootHash.toString('base64'), ...extensions];
  return lines.map((line) => `${line}\n`).join('');
}

/** Parses checkpoint note text (the text of an opened signed note, not the signed note). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) {
    throw new Error('checkpoint text must end with a newline');
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) {
    throw new Error(
      `checkpoint needs at least 3 lines (origin, size, root hash), got ${lines.length}`,
    );
  }
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === '') {
    throw new Error('checkpoint origin line is empty');
  }
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new Error(
      `checkpoint size line must be a decimal integer without leading zeros, got ${JSON.stringify(sizeText)}`,
    );
  }
  const rootHash = decodeStrictBase64(rootText);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE) {
    throw new Error(`checkpoint root hash line must be the base64 of ${HASH_SIZE} bytes`);
  }
  extensions.forEach((line, i) => {
    if (line === '') {
      throw new Error(`checkpoint extension line ${i + 1} is empty`);
    }
  });
  const checkpoint: Checkpoint = { origin, size: Number(sizeText), rootHash };
  if (extensions.length > 0) {
    checkpoint.extensions = extensions;
  }
  return checkpoint;
}

function assertLine(what: string, line: string): void {
  if (line === '' || line.includes('\n')) {
    throw new Error(`checkpoint ${what} must be a non-empty single line`);
  }
}
