import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { tileFiles } from '../commands/tile-export';
import { leafCount, leafText } from './leaf-page-check';
import type { EntryPage } from './ledger-verifier';

/** The leaves of the entries verify read, kept for the tile check (what export holds too). */
export interface TappedLeaves {
  leafHashes: Buffer[];
  leafData: string[];
}

/**
 * The entries verify reads, passed on unchanged, their leaves kept in `into`: the tile check
 * then compares the export's tiles with exactly the entries verified, without reading and
 * parsing entries.jsonl a second time.
 */
export async function* tapLeaves(
  pages: AsyncIterable<EntryPage>,
  into: TappedLeaves,
): AsyncIterable<EntryPage> {
  for await (const page of pages) {
    const count = leafCount(page.leafData);
    for (let i = 0; i < count; i++) {
      into.leafHashes.push(page.leafHashes.subarray(i * 32, i * 32 + 32));
      into.leafData.push(leafText(page.leafData, i));
    }
    yield page;
  }
}

/**
 * What a standard C2SP client reads of an export (its `checkpoint` file, hash tiles and
 * entry bundles) must be exactly what the export's entries and checkpoints make: verify
 * checks the entries and checkpoints, and this ties those files to them. An export made
 * before tiles were exported (neither `checkpoint` nor `tile/`) has nothing to compare.
 * Returns the first difference, or undefined.
 */
export async function exportTilesProblem(
  dir: string,
  verified: TappedLeaves,
): Promise<string | undefined> {
  const tileRoot = join(dir, 'tile');
  const checkpointFile = join(dir, 'checkpoint');
  if (!existsSync(tileRoot) && !existsSync(checkpointFile)) return undefined;

  const notes = (await readFile(join(dir, 'checkpoints.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { note: string }).note);
  const latest = notes.at(-1);
  const checkpoint = existsSync(checkpointFile)
    ? await readFile(checkpointFile, 'utf8')
    : undefined;
  if (checkpoint !== latest) {
    return 'the checkpoint file is not the latest checkpoint of checkpoints.jsonl';
  }

  const { leafHashes, leafData } = verified;

  const present = new Set(
    existsSync(tileRoot)
      ? (await readdir(tileRoot, { recursive: true, withFileTypes: true }))
          .filter((d) => !d.isDirectory())
          .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
      : [],
  );
  for (const { path, body } of tileFiles(leafHashes, leafData)) {
    if (!present.delete(path)) return `${path} is missing`;
    if (!(await readFile(join(dir, path))).equals(body)) {
      return `${path} differs from the tile of the exported entries`;
    }
  }
  const extra = [...present].sort()[0];
  return extra === undefined ? undefined : `${extra} is no tile of the exported tree`;
}
