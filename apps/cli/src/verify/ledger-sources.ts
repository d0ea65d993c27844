import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyOutRows, type BinaryCopyRow } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import type {
  CheckpointRecord,
  EntryPage,
  EntryRecord,
  StoredHashPage,
  VerifyInput,
} from './ledger-verifier';
import { fileLines } from './file-lines';
import { leafCount, type PackedLeaves } from './leaf-page-check';

const PAGE = 5000;

/** Entries of the database ledger, in sequence order, a page of rows at a time. */
export async function* databaseEntryRows(db: DataSource, from = 0): AsyncIterable<EntryRecord[]> {
  let next = from;
  for (;;) {
    const rows = await db.query<
      { sequence: string; leaf_data: string; leaf_hash: Buffer; chain_hash: Buffer }[]
    >(
      `SELECT sequence::text AS sequence, leaf_data, leaf_hash, chain_hash FROM ledger_entries
        WHERE sequence >= $1 ORDER BY ledger_entries.sequence LIMIT $2`,
      [next, PAGE],
    );
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      sequence: Number(r.sequence),
      leafData: r.leaf_data,
      leafHash: r.leaf_hash,
      chainHash: r.chain_hash,
    }));
    next = Number(rows[rows.length - 1].sequence) + 1;
  }
}

/**
 * Leaf texts as the database gives them to verify (PackedLeaves: UTF-8 bytes, each after a
 * 0x00): one buffer is cloned to a worker at a fraction of the cost of 5,000 strings, and
 * neither the worker nor the tile check encodes them again. A page holding a text that UTF-8
 * cannot carry as it is (a lone surrogate from a \ud800 escape), or that is no string,
 * stays text, so verify judges it exactly as before.
 */
function packedLeaves(texts: string[]): string[] | PackedLeaves {
  let length = 0;
  for (const text of texts) {
    if (typeof text !== 'string' || !text.isWellFormed()) return texts;
    length += 1 + Buffer.byteLength(text, 'utf8');
  }
  const bytes = Buffer.allocUnsafe(length);
  const ends = new Int32Array(texts.length);
  let at = 0;
  for (let i = 0; i < texts.length; i++) {
    bytes[at] = 0x00;
    at += 1 + bytes.write(texts[i], at + 1, 'utf8');
    ends[i] = at;
  }
  return { bytes, ends };
}

/** The longest run of consecutive entries at the start of `rows`, as a page. */
function pageOfRows(rows: readonly EntryRecord[]): EntryPage {
  let n = 1;
  while (n < rows.length && rows[n].sequence === rows[0].sequence + n) n++;
  const taken = rows.slice(0, n);
  return {
    first: rows[0].sequence,
    leafData: packedLeaves(taken.map((r) => r.leafData)),
    leafHashes: Buffer.concat(taken.map((r) => r.leafHash)),
    chainHashes: Buffer.concat(taken.map((r) => r.chainHash)),
  };
}

/**
 * The entries from sequence `current_setting('scantrail.verify_from')` on, in order, by
 * binary COPY: leaf data as its stored UTF-8 bytes and hashes as raw bytes, so neither
 * PostgreSQL writes hex nor Node decodes text. One statement, so one snapshot.
 */
const ENTRIES_COPY = `COPY (SELECT sequence, leaf_data, leaf_hash, chain_hash FROM ledger_entries
       WHERE sequence >= current_setting('scantrail.verify_from')::bigint
       ORDER BY ledger_entries.sequence) TO STDOUT (FORMAT binary)`;

/** Builds pages of consecutive entries from COPY rows, leaf data packed as bytes. */
class PackedPageBuilder {
  first = 0;
  count = 0;
  private bytes = Buffer.allocUnsafe(PAGE * 1024);
  private length = 0;
  private ends = new Int32Array(PAGE);
  private leafHashes = Buffer.allocUnsafe(PAGE * 32);
  private chainHashes = Buffer.allocUnsafe(PAGE * 32);

  /** Adds one entry; false (and nothing added) when it does not continue this page. */
  add(sequence: number, row: BinaryCopyRow): boolean {
    const { buffer, fields } = row;
    if (this.count > 0 && sequence !== this.first + this.count) return false;
    if (fields[5] !== 32 || fields[7] !== 32 || fields[2] < 0) return false;
    if (this.count === 0) this.first = sequence;
    const leafLength = fields[3];
    if (this.length + 1 + leafLength > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(
        Math.max(2 * this.bytes.length, this.length + 1 + leafLength),
      );
      this.bytes.copy(bigger, 0, 0, this.length);
      this.bytes = bigger;
    }
    // Each leaf after a 0x00: the leaf hash's input is then a slice of the page.
    this.bytes[this.length] = 0x00;
    buffer.copy(this.bytes, this.length + 1, fields[2], fields[2] + leafLength);
    this.length += 1 + leafLength;
    this.ends[this.count] = this.length;
    // 32-byte copies by loop: cheaper than a native call each.
    const leafHashes = this.leafHashes;
    const chainHashes = this.chainHashes;
    const to = this.count * 32;
    const leafAt = fields[4];
    const chainAt = fields[6];
    for (let k = 0; k < 32; k++) {
      leafHashes[to + k] = buffer[leafAt + k];
      chainHashes[to + k] = buffer[chainAt + k];
    }
    this.count += 1;
    return true;
  }

  /** The page so far (copied out), and a new empty one begun. */
  take(): EntryPage {
    const page: EntryPage = {
      first: this.first,
      leafData: {
        bytes: Buffer.from(this.bytes.subarray(0, this.length)),
        ends: this.ends.slice(0, this.count),
      },
      leafHashes: Buffer.from(this.leafHashes.subarray(0, this.count * 32)),
      chainHashes: Buffer.from(this.chainHashes.subarray(0, this.count * 32)),
    };
    this.count = 0;
    this.length = 0;
    return page;
  }
}

/**
 * Entries of the database ledger as pages of consecutive entries, read by one binary COPY
 * (PostgreSQL streams the next rows while the verifier checks a page). A page ends at a
 * gap in the sequence (the verifier names it); a row whose hashes are not 32 bytes comes
 * alone, as stored, so the verifier sees exactly what is there.
 */
export async function* databaseEntries(db: DataSource, from = 0): AsyncIterable<EntryPage> {
  const builder = new PackedPageBuilder();
  for await (const rows of copyOutRows(
    db,
    ENTRIES_COPY,
    // The order comes from the primary key as it is read: on a table without statistics
    // (just loaded) the planner otherwise chose a bitmap scan and a sort of the whole
    // ledger before its first row, on disk past work_mem.
    { 'scantrail.verify_from': String(from), enable_sort: 'off' },
    4,
  )) {
    const full: EntryPage[] = [];
    rows((row) => {
      const sequence = Number(row.buffer.readBigInt64BE(row.fields[0]));
      if (builder.count === PAGE) full.push(builder.take());
      if (builder.add(sequence, row)) return;
      if (builder.count > 0) full.push(builder.take());
      if (builder.add(sequence, row)) return;
      full.push(rowPage(sequence, row));
    });
    for (const page of full) yield page;
  }
  if (builder.count > 0) yield builder.take();
}

/** One entry as stored, whatever its hash lengths (a page of one). */
function rowPage(sequence: number, { buffer, fields }: BinaryCopyRow): EntryPage {
  const field = (i: number): Buffer =>
    fields[2 * i] < 0
      ? Buffer.alloc(0)
      : Buffer.from(buffer.subarray(fields[2 * i], fields[2 * i] + fields[2 * i + 1]));
  return {
    first: sequence,
    leafData: [field(1).toString('utf8')],
    leafHashes: field(2),
    chainHashes: field(3),
  };
}

interface AggregatedHashes {
  first: string | null;
  last: string | null;
  n: number;
  hashes: Buffer | null;
}

/** Stored Merkle hashes in index order, as pages of consecutive indexes (one row each). */
export async function* databaseStoredHashes(db: DataSource): AsyncIterable<StoredHashPage> {
  let next = 0;
  for (;;) {
    const [page] = await db.query<AggregatedHashes[]>(
      `SELECT min(idx)::text AS first, max(idx)::text AS last, count(*)::int AS n,
              string_agg(hash, ''::bytea ORDER BY idx) AS hashes
         FROM (SELECT idx, hash FROM ledger_hashes WHERE idx >= $1
                ORDER BY ledger_hashes.idx LIMIT $2) AS p`,
      [next, PAGE * 2],
    );
    if (page.n === 0) return;
    const first = Number(page.first);
    if (Number(page.last) - first + 1 !== page.n) {
      // A gap: hand over the consecutive run before it; the verifier reports the gap.
      const rows = await db.query<{ idx: string; hash: Buffer }[]>(
        'SELECT idx::text AS idx, hash FROM ledger_hashes WHERE idx >= $1 ORDER BY ledger_hashes.idx LIMIT $2',
        [next, PAGE * 2],
      );
      let n = 1;
      while (n < rows.length && Number(rows[n].idx) === first + n) n++;
      yield { first, hashes: Buffer.concat(rows.slice(0, n).map((r) => r.hash)) };
      next = first + n;
      continue;
    }
    yield { first, hashes: page.hashes as Buffer };
    next = first + page.n;
  }
}

export async function databaseCheckpoints(db: DataSource): Promise<CheckpointRecord[]> {
  const rows = await db.query<{ tree_size: string; root_hash: Buffer; note: string }[]>(
    'SELECT tree_size::text AS tree_size, root_hash, note FROM ledger_checkpoints ORDER BY ledger_checkpoints.tree_size',
  );
  return rows.map((r) => ({ treeSize: Number(r.tree_size), rootHash: r.root_hash, note: r.note }));
}

/**
 * The export formats this verify reads. `/1`: tiles with the partial tiles of the latest
 * checkpoint only (what scantrail wrote up to session 26). `/2`: also the partial tiles of
 * every earlier checkpoint of checkpoints.jsonl (C2SP tlog-tiles: a log serves them), which
 * verify then requires. Exports archived in the older format keep verifying.
 */
export const EXPORT_FORMATS = ['scantrail-ledger-export/1', 'scantrail-ledger-export/2'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** The format export writes. */
export const EXPORT_FORMAT: ExportFormat = 'scantrail-ledger-export/2';

/** The export layout (see export command): manifest.json, entries.jsonl, checkpoints.jsonl. */
export interface ExportManifest {
  format: ExportFormat;
  origin: string;
  verifierKey: string;
  treeSize: number;
  exportedAt: string;
}

export interface ExportedEntryLine {
  sequence: number;
  leafData: string;
  leafHash: string;
  chainHash: string;
}

async function* exportedEntries(dir: string): AsyncIterable<EntryPage> {
  let rows: EntryRecord[] = [];
  const pages = function* (all: EntryRecord[]): Iterable<EntryPage> {
    for (let rest = all; rest.length > 0;) {
      const page = pageOfRows(rest);
      yield page;
      rest = rest.slice(leafCount(page.leafData));
    }
  };
  for await (const lines of fileLines(join(dir, 'entries.jsonl'))) {
    for (const line of lines) {
      if (line.trim() === '') continue;
      const e = JSON.parse(line) as ExportedEntryLine;
      rows.push({
        sequence: e.sequence,
        leafData: e.leafData,
        leafHash: Buffer.from(e.leafHash, 'base64'),
        chainHash: Buffer.from(e.chainHash, 'base64'),
      });
      if (rows.length === PAGE) {
        yield* pages(rows);
        rows = [];
      }
    }
  }
  yield* pages(rows);
}

/** The export's manifest: its tree size is only what the exporter claims, until verified. */
export async function readExportManifest(dir: string): Promise<ExportManifest> {
  const manifest = JSON.parse(
    await readFile(join(dir, 'manifest.json'), 'utf8'),
  ) as Partial<ExportManifest> | null;
  const format: unknown = manifest?.format;
  if (!EXPORT_FORMATS.includes(format as ExportFormat)) {
    const named =
      typeof format === 'string'
        ? JSON.stringify(format.slice(0, 80))
        : `no format (${typeof format})`;
    throw new Error(
      `manifest.json names ${named}: this verify reads ${EXPORT_FORMATS.join(' and ')} (an export of a newer scantrail needs its verify)`,
    );
  }
  return manifest as ExportManifest;
}

/**
 * Reads an export folder for offline verification; the verifier key may be given separately,
 * and the manifest when the caller has read it already (readExportManifest).
 */
export async function exportSource(
  dir: string,
  verifierKey?: string,
  manifest?: ExportManifest,
): Promise<Omit<VerifyInput, 'onProgress'>> {
  manifest ??= await readExportManifest(dir);
  const checkpointLines = (await readFile(join(dir, 'checkpoints.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '');
  const checkpoints = checkpointLines.map((l) => {
    const c = JSON.parse(l) as { treeSize: number; rootHash: string; note: string };
    return { treeSize: c.treeSize, rootHash: Buffer.from(c.rootHash, 'base64'), note: c.note };
  });
  return {
    origin: manifest.origin,
    verifierKey: verifierKey ?? manifest.verifierKey,
    entries: exportedEntries(dir),
    checkpoints,
  };
}
