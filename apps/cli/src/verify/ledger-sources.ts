import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DataSource } from 'typeorm';
import type {
  CheckpointRecord,
  EntryRecord,
  StoredHashRecord,
  VerifyInput,
} from './ledger-verifier';

const PAGE = 5000;

/** Entries of the database ledger, in sequence order, a page at a time. */
export async function* databaseEntries(db: DataSource, from = 0): AsyncIterable<EntryRecord[]> {
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

export async function* databaseStoredHashes(db: DataSource): AsyncIterable<StoredHashRecord[]> {
  let next = 0;
  for (;;) {
    const rows = await db.query<{ idx: string; hash: Buffer }[]>(
      'SELECT idx::text AS idx, hash FROM ledger_hashes WHERE idx >= $1 ORDER BY ledger_hashes.idx LIMIT $2',
      [next, PAGE * 2],
    );
    if (rows.length === 0) return;
    yield rows.map((r) => ({ index: Number(r.idx), hash: r.hash }));
    next = Number(rows[rows.length - 1].idx) + 1;
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

async function* exportedEntries(dir: string): AsyncIterable<EntryRecord[]> {
  const lines = createInterface({
    input: createReadStream(join(dir, 'entries.jsonl')),
    crlfDelay: Infinity,
  });
  let page: EntryRecord[] = [];
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line) as ExportedEntryLine;
    page.push({
      sequence: e.sequence,
      leafData: e.leafData,
      leafHash: Buffer.from(e.leafHash, 'base64'),
      chainHash: Buffer.from(e.chainHash, 'base64'),
    });
    if (page.length === PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/** Reads an export folder for offline verification; the verifier key may be given separately. */
export async function exportSource(
  dir: string,
  verifierKey?: string,
): Promise<Omit<VerifyInput, 'onProgress'>> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ExportManifest;
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
