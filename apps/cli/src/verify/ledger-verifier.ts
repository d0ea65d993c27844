import {
  canonicalJson,
  MAX_ENTRY_LENGTH,
  nodeHash,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  treeHash,
  ZERO_CHAIN_HASH,
  type HashReader,
} from '@scantrail/ledger';
import { hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { LeafCheckPool } from './leaf-check.pool';
import { leafCount, leafText, type LeafPageResult, type PackedLeaves } from './leaf-page-check';

export type { PackedLeaves } from './leaf-page-check';

/** One ledger entry as stored or exported (hashes as raw bytes). */
export interface EntryRecord {
  sequence: number;
  leafData: string;
  leafHash: Buffer;
  chainHash: Buffer;
}

/** Consecutive entries from `first` on; hashes 32 bytes each, back to back. */
export interface EntryPage {
  first: number;
  /** Leaf data as text, or as stored UTF-8 bytes (PackedLeaves). */
  leafData: string[] | PackedLeaves;
  leafHashes: Buffer;
  chainHashes: Buffer;
}

/** Consecutive stored hashes from index `first` on, 32 bytes each. */
export interface StoredHashPage {
  first: number;
  hashes: Buffer;
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
  /** The signer's key now: the latest checkpoint must carry its signature. */
  verifierKey: string;
  /**
   * Keys the signer used before a rotation (oldest first does not matter). A checkpoint may
   * carry one of them only while no later checkpoint already carries the current key, so a
   * retired key that leaked cannot vouch for history written after the rotation.
   */
  retiredVerifierKeys?: readonly string[];
  /**
   * Signed checkpoint notes kept outside the database (an auditor's, or one saved before a
   * backup): each must verify and the log must still hold exactly the tree it signed.
   */
  savedCheckpoints?: readonly string[];
  /** Entries in sequence order. */
  entries: AsyncIterable<EntryPage>;
  checkpoints: readonly CheckpointRecord[];
  /** Stored subtree hashes in index order, when the source keeps them (the database). */
  storedHashes?: AsyncIterable<StoredHashPage>;
  onProgress?: (verified: number) => void;
  /**
   * Called with each page once its entries passed their checks and joined the tree, in
   * order (what checks files made from the entries, such as an export's tiles, streams
   * from here). Checkpoints are checked only after the last page.
   */
  onVerified?: (page: EntryPage, tree: VerifiedTree) => void;
  /** Worker threads for the per-entry checks (default: one per CPU; 0 checks inline). */
  workers?: number;
}

/** The Merkle tree of the entries verified so far. */
export interface VerifiedTree {
  readonly size: number;
  /**
   * The hash of the complete subtree at `level` over leaves n * 2^level .. (n + 1) * 2^level
   * - 1 (level 0: leaf n's hash), for a subtree the latest page completed: verify keeps no
   * earlier hash. A view into the tree: copy it to keep it.
   */
  subtreeHash(level: number, n: number): Buffer;
}

export type VerifyProblem =
  | { kind: 'entry'; sequence: number; message: string }
  | { kind: 'stored-hash'; sequence: number; message: string }
  | { kind: 'checkpoint'; treeSize: number; message: string }
  | { kind: 'saved-checkpoint'; index: number; message: string };

export interface VerifyReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  /** The first problem found, if any: verification stops there. */
  problem?: VerifyProblem;
  seconds: number;
}

/** Scratch input of a node hash: 0x01, left child, right child. */
const nodeInput = Buffer.alloc(65);

/**
 * The 32-byte hashes by stored index from `base` on, in one buffer. Hashes below `base` are
 * given up once compared (discardBelow): the tree keeps its right edge itself, so verify's
 * memory does not grow with the log.
 */
class HashArray {
  private buffer = Buffer.alloc(32 * 1024);
  base = 0;
  length = 0;

  push(index: number, hash: Uint8Array, from = 0): void {
    if (index !== this.length) throw new Error(`stored hash ${index} computed out of order`);
    const at = (index - this.base) * 32;
    if (at + 32 > this.buffer.length) {
      const bigger = Buffer.alloc(this.buffer.length * 2);
      this.buffer.copy(bigger);
      this.buffer = bigger;
    }
    // A loop over 32 bytes costs less than a native copy call (or a view to copy from).
    const buffer = this.buffer;
    for (let k = 0; k < 32; k++) buffer[at + k] = hash[from + k];
    this.length += 1;
  }

  /** Appends RFC 9162's hash of the node whose children are `left` (at `from`) and hash `right`. */
  pushNode(left: Uint8Array, from: number, right: number): void {
    const input = nodeInput;
    const buffer = this.buffer;
    const at = (right - this.base) * 32;
    input[0] = 0x01;
    for (let k = 0; k < 32; k++) {
      input[1 + k] = left[from + k];
      input[33 + k] = buffer[at + k];
    }
    this.push(this.length, hash('sha256', input, 'buffer'));
  }

  get(index: number): Buffer {
    if (index < this.base || index >= this.length)
      throw new RangeError(`stored hash ${index} is not held (${this.base}..${this.length - 1})`);
    return this.buffer.subarray((index - this.base) * 32, (index - this.base + 1) * 32);
  }

  /** `count` hashes from `first` on, back to back (a view, not a copy). */
  range(first: number, count: number): Buffer {
    if (first < this.base) throw new RangeError(`stored hash ${first} is no longer held`);
    return this.buffer.subarray((first - this.base) * 32, (first - this.base + count) * 32);
  }

  /** Gives up the hashes below `index`. */
  discardBelow(index: number): void {
    if (index <= this.base) return;
    this.buffer.copy(this.buffer, 0, (index - this.base) * 32, (this.length - this.base) * 32);
    this.base = index;
  }

  reader(): HashReader {
    return (indexes) => Promise.resolve(indexes.map((i) => this.get(i)));
  }
}

/**
 * Grows the stored-hash layout (hashesToAppend's, in index order) leaf by leaf, in step:
 * each leaf's hash, then one hash per subtree it completes, whose left half is the last
 * completed subtree of that level (kept in `frontier`). Synchronous and without a record
 * per hash, unlike hashesToAppend, which reads the old right edge from storage. The roots
 * of the sizes in `wanted` (the checkpoints') are taken as the tree passes them, from the
 * frontier, so no earlier hash has to be kept for them.
 */
class TreeBuilder {
  /** The hash of the last completed subtree of each level, 32 bytes a level. */
  private readonly frontier = Buffer.alloc(64 * 32);
  size = 0;
  readonly roots = new Map<number, Buffer>();

  constructor(
    private readonly hashes: HashArray,
    private readonly wanted: ReadonlySet<number>,
  ) {}

  /** Appends the leaves of `leafHashes` (32 bytes each, back to back). */
  append(leafHashes: Uint8Array): void {
    const hashes = this.hashes;
    const frontier = this.frontier;
    for (let at = 0; at < leafHashes.length; at += 32) {
      let top = hashes.length;
      hashes.push(top, leafHashes, at);
      // The leaf completes one subtree per trailing 1 bit of its number.
      let completed = 0;
      for (let n = this.size; n % 2 === 1; n = (n - 1) / 2) completed++;
      for (let level = 0; level < completed; level++) {
        hashes.pushNode(frontier, level * 32, top);
        top = hashes.length - 1;
      }
      const last = hashes.get(top);
      for (let k = 0; k < 32; k++) frontier[completed * 32 + k] = last[k];
      this.size += 1;
      if (this.wanted.has(this.size)) this.roots.set(this.size, this.root());
    }
  }

  /**
   * RFC 9162's root of the tree now: the complete subtrees of the size's 1 bits, from the
   * smallest (the right edge) up, each the last completed one of its level.
   */
  private root(): Buffer {
    let root: Buffer | undefined;
    for (let level = 0; 2 ** level <= this.size; level++) {
      if (Math.floor(this.size / 2 ** level) % 2 === 0) continue;
      const subtree = this.frontier.subarray(level * 32, level * 32 + 32);
      root = root === undefined ? Buffer.from(subtree) : nodeHash(subtree, root);
    }
    return root as Buffer;
  }
}

/**
 * Compares stored hashes with the recomputed ones as the tree grows, reading the next page
 * of stored hashes while the current one is compared, so their read overlaps the entries'
 * checks instead of following them.
 */
class StoredHashCheck {
  private readonly pages: AsyncIterator<StoredHashPage>;
  private ahead?: Promise<IteratorResult<StoredHashPage>>;
  private page?: StoredHashPage;
  private ended = false;
  /** Stored hashes compared so far (they are indexes 0 .. checked - 1). */
  checked = 0;

  constructor(
    source: AsyncIterable<StoredHashPage>,
    private readonly computed: HashArray,
  ) {
    this.pages = source[Symbol.asyncIterator]();
    this.readAhead();
  }

  /** The first problem among stored hashes below `limit`, comparing what is not yet compared. */
  async upTo(limit: number): Promise<StoredHashProblem | undefined> {
    while (this.checked < limit) {
      if (
        this.page === undefined ||
        this.checked >= this.page.first + this.page.hashes.length / 32
      ) {
        if (this.ended) return { index: this.checked, missing: 'end' };
        const next = await (this.ahead as Promise<IteratorResult<StoredHashPage>>);
        if (next.done) {
          this.ended = true;
          return { index: this.checked, missing: 'end' };
        }
        this.page = next.value;
        this.readAhead();
        if (this.page.hashes.length === 0) continue;
        if (this.page.first !== this.checked) return { index: this.checked, missing: 'gap' };
      }
      const page = this.page;
      const end = Math.min(limit, page.first + page.hashes.length / 32);
      const mine = this.computed.range(this.checked, end - this.checked);
      const theirs = page.hashes.subarray(
        (this.checked - page.first) * 32,
        (end - page.first) * 32,
      );
      if (!mine.equals(theirs)) {
        let i = 0;
        while (mine.subarray(i * 32, i * 32 + 32).equals(theirs.subarray(i * 32, i * 32 + 32))) i++;
        return { index: this.checked + i };
      }
      this.checked = end;
    }
    return undefined;
  }

  /** Stops reading (verification ended early, or is done). */
  async close(): Promise<void> {
    await this.ahead?.catch(() => undefined);
    await this.pages.return?.();
  }

  private readAhead(): void {
    if (this.ended) return;
    this.ahead = this.pages.next();
    // A failed read surfaces where it is awaited (upTo), not as an unhandled rejection.
    this.ahead.catch(() => undefined);
  }
}

/** A stored hash that differs from the recomputed one, or is missing (a gap, or the end). */
interface StoredHashProblem {
  index: number;
  missing?: 'gap' | 'end';
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
  const retired = (input.retiredVerifierKeys ?? []).map((key) => parseVerifierKey(key));
  const checkpoints = [...input.checkpoints].sort((a, b) => a.treeSize - b.treeSize);
  let size = 0;
  const report = (problem?: VerifyProblem): VerifyReport => ({
    ok: problem === undefined,
    entries: size,
    checkpoints: checkpoints.length,
    problem,
    seconds: (Date.now() - started) / 1000,
  });

  const verifiers = [verifier, ...retired];
  // The roots verify compares after the pass, taken as the tree passes their sizes.
  const wanted = new Set(checkpoints.map((c) => c.treeSize));
  for (const note of input.savedCheckpoints ?? []) {
    try {
      wanted.add(parseCheckpoint(openNote(note, verifiers).text).size);
    } catch {
      // Reported in its turn below.
    }
  }
  const tree = new TreeBuilder(computed, wanted);
  const rootAt = (treeSize: number): Promise<Buffer> => {
    const root = tree.roots.get(treeSize);
    // Size 0, or one no tree has (treeHash refuses it as before).
    return root ? Promise.resolve(root) : treeHash(treeSize, computed.reader());
  };
  const verifiedTree: VerifiedTree = {
    get size() {
      return tree.size;
    },
    subtreeHash: (level, n) => {
      if ((n + 1) * 2 ** level > tree.size)
        throw new RangeError(`no complete subtree (${level}, ${n}) in a tree of ${tree.size}`);
      return computed.get(storedHashIndex(level, n));
    },
  };
  const storedCheck = input.storedHashes && new StoredHashCheck(input.storedHashes, computed);
  const pool = new LeafCheckPool(input.workers ?? availableParallelism());
  try {
    // Pages are checked on the workers while the next ones are read; results are taken in
    // page order, so the first problem reported is the first in the log.
    const ahead: { page: EntryPage; result: Promise<LeafPageResult> }[] = [];
    const settle = async (): Promise<VerifyProblem | undefined> => {
      const { page, result } = ahead.shift() as (typeof ahead)[number];
      const problem = firstPageProblem(page, await result);
      if (problem) return problem;
      tree.append(page.leafHashes.subarray(0, leafCount(page.leafData) * 32));
      size = tree.size;
      input.onVerified?.(page, verifiedTree);
      input.onProgress?.(size);
      const stored = await storedCheck?.upTo(computed.length);
      if (stored) return storedHashProblem(stored);
      // Everything computed so far is compared: only the tree's right edge stays.
      computed.discardBelow(computed.length);
      return undefined;
    };
    let next = 0;
    let previousChain: Buffer = ZERO_CHAIN_HASH;
    for await (const page of input.entries) {
      const count = leafCount(page.leafData);
      if (count === 0) continue;
      if (page.first !== next) {
        while (ahead.length > 0) {
          const problem = await settle();
          if (problem) return report(problem);
        }
        return report({
          kind: 'entry',
          sequence: next,
          message: `expected sequence ${next}, found ${page.first} (an entry is missing or out of order)`,
        });
      }
      ahead.push({
        page,
        result: pool.check({ ...page, previousChain, maxLeafBytes: MAX_ENTRY_LENGTH }),
      });
      next += count;
      previousChain = page.chainHashes.subarray(page.chainHashes.length - 32);
      while (ahead.length > AHEAD_PAGES) {
        const problem = await settle();
        if (problem) return report(problem);
      }
    }
    while (ahead.length > 0) {
      const problem = await settle();
      if (problem) return report(problem);
    }
    // Every stored hash of the tree, and none missing at its end.
    const stored = await storedCheck?.upTo(storedHashCount(size));
    if (stored) return report(storedHashProblem(stored));
  } finally {
    await pool.close();
    await storedCheck?.close();
  }

  // Checkpoints from before a key rotation carry a retired key; from the first one signed
  // with the current key on, every later one must carry it, the newest included.
  let currentKeySeen = false;
  const newest = checkpoints[checkpoints.length - 1];
  for (const checkpoint of checkpoints) {
    const bad = (message: string): VerifyReport =>
      report({ kind: 'checkpoint', treeSize: checkpoint.treeSize, message });
    if (checkpoint.treeSize > size)
      return bad(`checkpoint of size ${checkpoint.treeSize} is larger than the log (${size})`);
    let text: string;
    try {
      text = openNote(checkpoint.note, [verifier]).text;
      currentKeySeen = true;
    } catch (error) {
      if (retired.length === 0) {
        return bad(`signature does not verify: ${(error as Error).message}`);
      }
      try {
        text = openNote(checkpoint.note, retired).text;
      } catch (retiredError) {
        return bad(
          `signature does not verify with the current or a retired key: ${(retiredError as Error).message}`,
        );
      }
      if (currentKeySeen || checkpoint === newest) {
        return bad(
          currentKeySeen
            ? 'signed with a retired key after a checkpoint signed with the current key'
            : 'the newest checkpoint is signed with a retired key, not the current one',
        );
      }
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
    const root = await rootAt(checkpoint.treeSize);
    if (!root.equals(body.rootHash))
      return bad('signed root differs from the root recomputed from the entries');
  }

  for (const [index, note] of (input.savedCheckpoints ?? []).entries()) {
    const bad = (message: string): VerifyReport =>
      report({ kind: 'saved-checkpoint', index, message });
    let body;
    try {
      body = parseCheckpoint(openNote(note, verifiers).text);
    } catch (error) {
      return bad(`does not verify: ${(error as Error).message}`);
    }
    if (body.origin !== input.origin)
      return bad(`origin is "${body.origin}", expected "${input.origin}"`);
    if (body.size > size)
      return bad(
        `it signs ${body.size} entries but the log holds ${size}: entries it covered are missing`,
      );
    const root = await rootAt(body.size);
    if (!root.equals(body.rootHash))
      return bad(`the log's first ${body.size} entries are not the ones it signed`);
  }
  return report();
}

/** What an operator is told of a stored hash that is wrong or missing. */
function storedHashProblem({ index, missing }: StoredHashProblem): VerifyProblem {
  const where = splitStoredHashIndex(index);
  const sequence = where.n * 2 ** where.level;
  const message =
    missing === 'gap'
      ? `stored Merkle hash ${index} (level ${where.level}) is missing`
      : missing === 'end'
        ? `stored Merkle hash ${index} is missing`
        : `stored Merkle hash ${index} (level ${where.level}, covering sequences ${sequence}..${sequence + 2 ** where.level - 1}) differs from the recomputed one`;
  return { kind: 'stored-hash', sequence, message };
}

/** Pages checked ahead of the one whose leaves go into the tree. */
const AHEAD_PAGES = 4;

/**
 * The first problem of a checked page, in verify's order of checks per entry (JSON, then
 * canonical form, then the sequence it names, then hashes): entries the quick canonical
 * test left open get the full RFC 8785 serialization here.
 */
function firstPageProblem(page: EntryPage, result: LeafPageResult): VerifyProblem | undefined {
  const last = result.problem?.offset ?? leafCount(page.leafData);
  for (const offset of result.fullCheck) {
    if (offset > last) break;
    const text = leafText(page.leafData, offset);
    if (canonicalJson(JSON.parse(text)) !== text) {
      return {
        kind: 'entry',
        sequence: page.first + offset,
        message: 'leaf data is not in RFC 8785 canonical form',
      };
    }
  }
  if (!result.problem) return undefined;
  return {
    kind: 'entry',
    sequence: page.first + result.problem.offset,
    message: result.problem.message,
  };
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
    case 'saved-checkpoint':
      return `saved checkpoint ${problem.index + 1}: ${problem.message}`;
  }
}
