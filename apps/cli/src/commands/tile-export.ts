import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  encodeEntryBundle,
  entryBundlePath,
  nodeHash,
  tilePath,
  TILE_HEIGHT,
  TILE_WIDTH,
} from '@scantrail/ledger';

/** One file of the C2SP tlog-tiles layout: its path under the log's root and its bytes. */
export interface TileFile {
  path: string;
  body: Buffer;
}

/**
 * The C2SP tlog-tiles layout of a tree: hash tiles at every tile level, partial tiles for
 * the right edge, and entry bundles.
 */
export function* tileFiles(
  leafHashes: readonly Buffer[],
  leafData: readonly string[],
): Generator<TileFile> {
  const size = leafHashes.length;
  for (let start = 0; start < size; start += TILE_WIDTH) {
    const width = Math.min(TILE_WIDTH, size - start);
    const bundle = leafData.slice(start, start + width).map((d) => Buffer.from(d, 'utf8'));
    yield { path: entryBundlePath(start / TILE_WIDTH, width), body: encodeEntryBundle(bundle) };
  }

  // Merkle level 8L holds the roots of complete subtrees of 256^L leaves.
  let level: readonly Buffer[] = leafHashes;
  for (let tileLevel = 0; level.length > 0; tileLevel += 1) {
    for (let start = 0; start < level.length; start += TILE_WIDTH) {
      const width = Math.min(TILE_WIDTH, level.length - start);
      yield {
        path: tilePath(tileLevel, start / TILE_WIDTH, width),
        body: Buffer.concat(level.slice(start, start + width)),
      };
    }
    for (let h = 0; h < TILE_HEIGHT; h += 1) {
      const next: Buffer[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
      level = next;
    }
  }
}

/**
 * Writes the tiles of a tree under `dir`, so standard transparency-log clients can check
 * an export against its `checkpoint` file without our code.
 */
export async function writeTiles(
  dir: string,
  leafHashes: readonly Buffer[],
  leafData: readonly string[],
): Promise<number> {
  let files = 0;
  for (const { path, body } of tileFiles(leafHashes, leafData)) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, body);
    files += 1;
  }
  return files;
}
