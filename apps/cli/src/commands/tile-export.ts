import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  earlierPartialWidths,
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
 * the right edge, and entry bundles. Each right-edge partial is followed by the narrower
 * partials of the same tile that the exported checkpoints' sizes had (ascending), which a
 * client holding one of those checkpoints asks for (C2SP: a log serves the partial tiles
 * of every size it signed, until the full tile is there).
 */
export function* tileFiles(
  leafHashes: readonly Buffer[],
  leafData: readonly string[],
  checkpointSizes: readonly number[] = [],
): Generator<TileFile> {
  const size = leafHashes.length;
  for (let start = 0; start < size; start += TILE_WIDTH) {
    const width = Math.min(TILE_WIDTH, size - start);
    const bundle = leafData.slice(start, start + width).map((d) => Buffer.from(d, 'utf8'));
    const index = start / TILE_WIDTH;
    yield { path: entryBundlePath(index, width), body: encodeEntryBundle(bundle) };
    if (width === TILE_WIDTH) continue;
    for (const earlier of earlierPartialWidths(size, 0, checkpointSizes)) {
      yield {
        path: entryBundlePath(index, earlier),
        body: encodeEntryBundle(bundle.slice(0, earlier)),
      };
    }
  }

  // Merkle level 8L holds the roots of complete subtrees of 256^L leaves.
  let level: readonly Buffer[] = leafHashes;
  for (let tileLevel = 0; level.length > 0; tileLevel += 1) {
    for (let start = 0; start < level.length; start += TILE_WIDTH) {
      const width = Math.min(TILE_WIDTH, level.length - start);
      const index = start / TILE_WIDTH;
      yield {
        path: tilePath(tileLevel, index, width),
        body: Buffer.concat(level.slice(start, start + width)),
      };
      if (width === TILE_WIDTH) continue;
      for (const earlier of earlierPartialWidths(size, tileLevel, checkpointSizes)) {
        yield {
          path: tilePath(tileLevel, index, earlier),
          body: Buffer.concat(level.slice(start, start + earlier)),
        };
      }
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
 * an export against its `checkpoint` file, or any of its checkpoints, without our code.
 */
export async function writeTiles(
  dir: string,
  leafHashes: readonly Buffer[],
  leafData: readonly string[],
  checkpointSizes: readonly number[] = [],
): Promise<number> {
  let files = 0;
  for (const { path, body } of tileFiles(leafHashes, leafData, checkpointSizes)) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, body);
    files += 1;
  }
  return files;
}
