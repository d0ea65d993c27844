import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DataSource } from 'typeorm';
import type {
  CheckpointRecord,
  EntryPage,
  EntryRecord,
  StoredHashPage,
  VerifyInput,
} from './ledger-verifier';

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

/** The longest run of consecutive entries at the start of `rows`, as a page. */
function pageOfRows(rows: readonly EntryRecord[]): EntryPage {
  let n = 1;
  while (n < rows.length && rows[n].sequence === rows[0].sequence + n) n++;
  const taken = rows.slice(0, n);
  return {
    first: rows[0].sequence,
    leafData: taken.map((r) => r.leafData),
    leafHashes: Buffer.concat(taken.map((r) => r.leafHash)),
    chainHashes: Buffer.concat(taken.map((r) => r.chainHash)),
  };
}

interface AggregatedEntries {
  first: string | null;
  last: string | null;
  n: number;
  leaf_data: string | null;
  leaf_hashes: Buffer | null;
  chain_hashes: Buffer | null;
}

/**
 * Entries of the database ledger as pages of consecutive entries. Each page comes as ONE
 * row (leaf data joined by newlines, hashes concatenated): a row per entry costs the
 * client more than verifying it. Canonical JSON never holds a raw newline; a page that
 * does not split cleanly (a gap, a tampered leaf, a hash of the wrong size) is read again
 * row by row, so the verifier sees exactly what is stored.
 */
export async function* databaseEntries(db: DataSource, from = 0): AsyncIterable<EntryPage> {
  const readPage = async (start: number): Promise<AggregatedEntries> => {
    const [page] = await db.query<AggregatedEntries[]>(
      `SELECT min(sequence)::text AS first, max(sequence)::text AS last, count(*)::int AS n,
              string_agg(leaf_data, E'\n' ORDER BY sequence) AS leaf_data,
              string_agg(leaf_hash, ''::bytea ORDER BY sequence) AS leaf_hashes,
              string_agg(chain_hash, ''::bytea ORDER BY sequence) AS chain_hashes
         FROM (SELECT * FROM ledger_entries WHERE sequence >= $1
                ORDER BY ledger_entries.sequence LIMIT $2) AS p`,
      [start, PAGE],
    );
    return page;
  };
  let next = from;
  // The next clean page is asked for before this one is handed over, so PostgreSQL reads
  // it on its own core while the verifier checks this one.
  let ahead: Promise<AggregatedEntries> | undefined;
  for (;;) {
    const page = await (ahead ?? readPage(next));
    ahead = undefined;
    if (page.n === 0) return;
    const first = Number(page.first);
    const leafData = (page.leaf_data ?? '').split('\n');
    const clean =
      Number(page.last) - first + 1 === page.n &&
      leafData.length === page.n &&
      page.leaf_hashes?.length === 32 * page.n &&
      page.chain_hashes?.length === 32 * page.n;
    if (clean) {
      next = first + page.n;
      ahead = readPage(next);
      // Handled here so a failed read waits for the await below instead of crashing the
      // process as an unhandled rejection (or going unnoticed if verification stopped).
      ahead.catch(() => undefined);
      yield {
        first,
        leafData,
        leafHashes: page.leaf_hashes as Buffer,
        chainHashes: page.chain_hashes as Buffer,
      };
      continue;
    }
    for await (const rows of databaseEntryRows(db, next)) {
      const rowPage = pageOfRows(rows);
      yield rowPage;
      next = rowPage.first + rowPage.leafData.length;
      break;
    }
  }
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

/** The export layout (see export command): manifest.json, entries.jsonl, checkpoints.jsonl. */
export interface ExportManifest {
  format: 'scantrail-ledger-export/1';
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
  const lines = createInterface({
    input: createReadStream(join(dir, 'entries.jsonl')),
    crlfDelay: Infinity,
  });
  let rows: EntryRecord[] = [];
  const pages = function* (all: EntryRecord[]): Iterable<EntryPage> {
    for (let rest = all; rest.length > 0;) {
      const page = pageOfRows(rest);
      yield page;
      rest = rest.slice(page.leafData.length);
    }
  };
  for await (const line of lines) {
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
  yield* pages(rows);
}

/** Reads an export folder for offline verification; the verifier key may be given separately. */
/** The export's manifest: its tree size is only what the exporter claims, until verified. */
export async function readExportManifest(dir: string): Promise<ExportManifest> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ExportManifest;
}

export async function exportSource(
  dir: string,
  verifierKey?: string,
): Promise<Omit<VerifyInput, 'onProgress'>> {
  const manifest = await readExportManifest(dir);
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
