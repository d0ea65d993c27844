import {
  canonicalJson,
  chainHash,
  hashesToAppend,
  leafHash,
  MAX_ENTRY_LENGTH,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  splitStoredHashIndex,
  storedHashCount,
  treeHash,
  ZERO_CHAIN_HASH,
  type HashReader,
} from '@scantrail/ledger';

/** One ledger entry as stored or exported (hashes as raw bytes). */
export interface EntryRecord {
  sequence: number;
  leafData: string;
  leafHash: Buffer;
  chainHash: Buffer;
}

export interface CheckpointRecord {
  treeSize: number;
  rootHash: Buffer;
  note: string;
}

export interface StoredHashRecord {
  index: number;
  hash: Buffer;
}

export interface VerifyInput {
  origin: string;
  verifierKey: string;
  /** Entries in sequence order. */
  entries: AsyncIterable<EntryRecord[]>;
  checkpoints: readonly CheckpointRecord[];
  /** Stored subtree hashes in index order, when the source keeps them (the database). */
  storedHashes?: AsyncIterable<StoredHashRecord[]>;
  onProgress?: (verified: number) => void;
}

export type VerifyProblem =
  | { kind: 'entry'; sequence: number; message: string }
  | { kind: 'stored-hash'; sequence: number; message: string }
  | { kind: 'checkpoint'; treeSize: number; message: string };

export interface VerifyReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  /** The first problem found, if any: verification stops there. */
  problem?: VerifyProblem;
  seconds: number;
}

/** A growable array of 32-byte hashes by stored index, in one buffer (2 per entry). */
class HashArray {
  private buffer = Buffer.alloc(32 * 1024);
  length = 0;

  push(index: number, hash: Buffer): void {
    if (index !== this.length) throw new Error(`stored hash ${index} computed out of order`);
    if ((index + 1) * 32 > this.buffer.length) {
      const bigger = Buffer.alloc(this.buffer.length * 2);
      this.buffer.copy(bigger);
      this.buffer = bigger;
    }
    hash.copy(this.buffer, index * 32);
    this.length += 1;
  }

  get(index: number): Buffer {
    return this.buffer.subarray(index * 32, index * 32 + 32);
  }

  reader(): HashReader {
    return (indexes) => Promise.resolve(indexes.map((i) => this.get(i)));
  }
}

/**
 * Recomputes everything from the leaf data alone: each leaf and chain hash, the Merkle
 * tree (and, for a database, every stored subtree hash), every checkpoint's root, body and
 * signature. Checkpoint consistency follows: two roots that both match one recomputed
 * tree are consistent. Stops at the first problem and names it.
 */
export async function verifyLedger(input: VerifyInput): Promise<VerifyReport> {
  const started = Date.now();
  const computed = new HashArray();
  const verifier = parseVerifierKey(input.verifierKey);
  const checkpoints = [...input.checkpoints].sort((a, b) => a.treeSize - b.treeSize);
  let previous = ZERO_CHAIN_HASH;
  let size = 0;
  const report = (problem?: VerifyProblem): VerifyReport => ({
    ok: problem === undefined,
    entries: size,
    checkpoints: checkpoints.length,
    problem,
    seconds: (Date.now() - started) / 1000,
  });

  for await (const page of input.entries) {
    const leaves: Buffer[] = [];
    for (const entry of page) {
      const sequence = size + leaves.length;
      const bad = (message: string): VerifyReport => report({ kind: 'entry', sequence, message });
      if (entry.sequence !== sequence) {
        return report({
          kind: 'entry',
          sequence,
          message: `expected sequence ${sequence}, found ${entry.sequence} (an entry is missing or out of order)`,
        });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(entry.leafData);
      } catch {
        return bad('leaf data is not JSON');
      }
      if (canonicalJson(parsed) !== entry.leafData)
        return bad('leaf data is not in RFC 8785 canonical form');
      if ((parsed as { sequence?: unknown }).sequence !== sequence) {
        return bad(
          `leaf data names sequence ${String((parsed as { sequence?: unknown }).sequence)}`,
        );
      }
      const leafBytes = Buffer.byteLength(entry.leafData, 'utf8');
      if (leafBytes > MAX_ENTRY_LENGTH) {
        // A C2SP entry bundle frames each entry with a uint16 length: the tile holding this
        // one could never be served or exported.
        return bad(
          `leaf data is ${leafBytes} bytes, more than the ${MAX_ENTRY_LENGTH} a C2SP entry bundle can frame`,
        );
      }
      const leaf = leafHash(entry.leafData);
      if (!leaf.equals(entry.leafHash)) return bad('leaf hash does not match the leaf data');
      previous = chainHash(previous, leaf);
      if (!previous.equals(entry.chainHash))
        return bad('chain hash does not match the previous chain hash and this leaf');
      leaves.push(leaf);
    }
    const added = await hashesToAppend(size, leaves, computed.reader());
    for (const h of added) computed.push(h.index, h.hash);
    size += leaves.length;
    input.onProgress?.(size);
  }

  if (input.storedHashes) {
    let expectedIndex = 0;
    const total = storedHashCount(size);
    for await (const page of input.storedHashes) {
      for (const stored of page) {
        if (stored.index >= total) break;
        const where = splitStoredHashIndex(expectedIndex);
        const sequence = where.n * 2 ** where.level;
        if (stored.index !== expectedIndex) {
          return report({
            kind: 'stored-hash',
            sequence,
            message: `stored Merkle hash ${expectedIndex} (level ${where.level}) is missing`,
          });
        }
        if (!stored.hash.equals(computed.get(expectedIndex))) {
          return report({
            kind: 'stored-hash',
            sequence,
            message: `stored Merkle hash ${expectedIndex} (level ${where.level}, covering sequences ${sequence}..${sequence + 2 ** where.level - 1}) differs from the recomputed one`,
          });
        }
        expectedIndex += 1;
      }
    }
    if (expectedIndex < total) {
      const where = splitStoredHashIndex(expectedIndex);
      return report({
        kind: 'stored-hash',
        sequence: where.n * 2 ** where.level,
        message: `stored Merkle hash ${expectedIndex} is missing`,
      });
    }
  }

  for (const checkpoint of checkpoints) {
    const bad = (message: string): VerifyReport =>
      report({ kind: 'checkpoint', treeSize: checkpoint.treeSize, message });
    if (checkpoint.treeSize > size)
      return bad(`checkpoint of size ${checkpoint.treeSize} is larger than the log (${size})`);
    let text: string;
    try {
      text = openNote(checkpoint.note, [verifier]).text;
    } catch (error) {
      return bad(`signature does not verify: ${(error as Error).message}`);
    }
    let body;
    try {
      body = parseCheckpoint(text);
    } catch (error) {
      return bad(`not a checkpoint: ${(error as Error).message}`);
    }
    if (body.origin !== input.origin)
      return bad(`origin is "${body.origin}", expected "${input.origin}"`);
    if (body.size !== checkpoint.treeSize)
      return bad(`signed size ${body.size} differs from the stored size`);
    if (!body.rootHash.equals(checkpoint.rootHash))
      return bad('signed root differs from the stored root');
    const root = await treeHash(checkpoint.treeSize, computed.reader());
    if (!root.equals(body.rootHash))
      return bad('signed root differs from the root recomputed from the entries');
  }
  return report();
}

/** One line for an operator. */
export function describeProblem(problem: VerifyProblem): string {
  switch (problem.kind) {
    case 'entry':
      return `first bad sequence ${problem.sequence}: ${problem.message}`;
    case 'stored-hash':
      return `first bad sequence ${problem.sequence}: ${problem.message}`;
    case 'checkpoint':
      return `bad checkpoint at tree size ${problem.treeSize}: ${problem.message}`;
  }
}
