// C2SP tlog-tiles resource paths: tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>],
// with <N> written as zero-padded 3-digit groups, all but the last prefixed by "x"
// (1234067 -> x001/x234/067).
import { storedHashIndex } from '../merkle/stored-hash-index';
import { assertNonNegativeSafeInteger } from '../merkle/tree-math';

/** Hashes (or entries) in a full tile. */
export const TILE_WIDTH = 256;
/** Merkle levels spanned by one tile level. */
export const TILE_HEIGHT = 8;
const MAX_TILE_LEVEL = 63;

export interface TileRef {
  level: number;
  index: number;
  /** 1..256; below 256 the tile is partial. */
  width: number;
}

export interface EntryBundleRef {
  index: number;
  width: number;
}

export function tilePath(level: number, index: number, width: number = TILE_WIDTH): string {
  assertTileLevel(level);
  return `tile/${level}/${encodeTileIndex(index)}${partialSuffix(width)}`;
}

export function entryBundlePath(index: number, width: number = TILE_WIDTH): string {
  return `tile/entries/${encodeTileIndex(index)}${partialSuffix(width)}`;
}

/** Parses a Merkle tile path (a leading "/" is ignored); throws on anything non-canonical. */
export function parseTilePath(path: string): TileRef {
  const parts = stripLeadingSlash(path).split('/');
  if (parts[0] !== 'tile' || parts.length < 3) {
    throw new Error(`not a tile path: ${JSON.stringify(path)}`);
  }
  if (parts[1] === 'entries') {
    throw new Error(`${JSON.stringify(path)} is an entry bundle path, not a Merkle tile path`);
  }
  if (!/^(0|[1-9][0-9]?)$/.test(parts[1]) || Number(parts[1]) > MAX_TILE_LEVEL) {
    throw new Error(
      `tile level must be 0..${MAX_TILE_LEVEL} without leading zeros: ${JSON.stringify(path)}`,
    );
  }
  const { index, width } = parseIndexAndWidth(parts.slice(2), path);
  return { level: Number(parts[1]), index, width };
}

/** Parses an entry bundle path (tile/entries/...); throws on anything non-canonical. */
export function parseEntryBundlePath(path: string): EntryBundleRef {
  const parts = stripLeadingSlash(path).split('/');
  if (parts[0] !== 'tile' || parts[1] !== 'entries' || parts.length < 3) {
    throw new Error(`not an entry bundle path: ${JSON.stringify(path)}`);
  }
  return parseIndexAndWidth(parts.slice(2), path);
}

/**
 * Stored hash indexes held by a tile: merkle level 8*level, n = 256*index .. +width-1.
 * (tile level 0 holds leaf hashes; each higher tile hash is the root of a full tile below.)
 */
export function tileHashIndexes(
  level: number,
  index: number,
  width: number = TILE_WIDTH,
): number[] {
  assertTileLevel(level);
  assertNonNegativeSafeInteger('tile index', index);
  assertWidth(width);
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    out.push(storedHashIndex(TILE_HEIGHT * level, TILE_WIDTH * index + i));
  }
  return out;
}

/**
 * Width of tile (level, index) in a tree of treeSize (256 = full), or 0 if the tree has no
 * hash in it yet. The same holds for entry bundles with level 0.
 */
export function tileWidth(treeSize: number, level: number, index: number): number {
  assertNonNegativeSafeInteger('treeSize', treeSize);
  assertTileLevel(level);
  assertNonNegativeSafeInteger('tile index', index);
  const hashesAtLevel = Math.floor(treeSize / 2 ** (TILE_HEIGHT * level));
  return Math.max(0, Math.min(TILE_WIDTH, hashesAtLevel - TILE_WIDTH * index));
}

/**
 * Widths the right-edge partial tile of `level` had at earlier tree sizes (the sizes of
 * checkpoints), ascending, each below its width at `treeSize`. C2SP tlog-tiles: a log MUST
 * serve the partial tiles of every size it signed a checkpoint for, until the full tile is
 * there; earlier partials of tiles that are full now are not listed (clients fall back to
 * the full tile). The same holds for entry bundles with level 0.
 */
export function earlierPartialWidths(
  treeSize: number,
  level: number,
  earlierSizes: Iterable<number>,
): number[] {
  const width = tileWidthAtEdge(treeSize, level);
  const index = tileIndexAtEdge(treeSize, level);
  const widths = new Set<number>();
  for (const size of earlierSizes) {
    assertNonNegativeSafeInteger('earlier tree size', size);
    const w = tileWidthAtEdge(size, level);
    if (w > 0 && w < width && tileIndexAtEdge(size, level) === index) widths.add(w);
  }
  return [...widths].sort((a, b) => a - b);
}

// The right-edge tile of a level: its index, and its width (0..255; 0: no partial tile).
function tileIndexAtEdge(treeSize: number, level: number): number {
  return Math.floor(hashesAtLevel(treeSize, level) / TILE_WIDTH);
}

function tileWidthAtEdge(treeSize: number, level: number): number {
  return hashesAtLevel(treeSize, level) % TILE_WIDTH;
}

function hashesAtLevel(treeSize: number, level: number): number {
  assertNonNegativeSafeInteger('treeSize', treeSize);
  assertTileLevel(level);
  return Math.floor(treeSize / 2 ** (TILE_HEIGHT * level));
}

function encodeTileIndex(index: number): string {
  assertNonNegativeSafeInteger('tile index', index);
  let digits = String(index);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) {
    groups.push(digits.slice(i, i + 3));
  }
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function partialSuffix(width: number): string {
  assertWidth(width);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

function parseIndexAndWidth(parts: string[], path: string): { index: number; width: number } {
  let width = TILE_WIDTH;
  let groups = parts;
  const partialAt = parts.length - 2;
  if (partialAt >= 0 && parts[partialAt].endsWith('.p')) {
    if (!/^[1-9][0-9]{0,2}$/.test(parts[parts.length - 1])) {
      throw new Error(
        `partial tile width must be 1..255 without leading zeros: ${JSON.stringify(path)}`,
      );
    }
    width = Number(parts[parts.length - 1]);
    if (width >= TILE_WIDTH) {
      throw new Error(`partial tile width must be 1..255: ${JSON.stringify(path)}`);
    }
    groups = [...parts.slice(0, partialAt), parts[partialAt].slice(0, -2)];
  }
  const last = groups.length - 1;
  const wellFormed = groups.every((g, i) => (i < last ? /^x[0-9]{3}$/ : /^[0-9]{3}$/).test(g));
  if (!wellFormed || (last > 0 && groups[0] === 'x000')) {
    throw new Error(
      `tile index must be 3-digit groups like x001/x234/067: ${JSON.stringify(path)}`,
    );
  }
  const index = Number(groups.map((g) => g.replace('x', '')).join(''));
  if (!Number.isSafeInteger(index)) {
    throw new Error(`tile index is too large: ${JSON.stringify(path)}`);
  }
  return { index, width };
}

function stripLeadingSlash(path: string): string {
  return path.startsWith('/') ? path.slice(1) : path;
}

function assertTileLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new RangeError(
      `tile level must be an integer from 0 to ${MAX_TILE_LEVEL}, got ${String(level)}`,
    );
  }
}

function assertWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new RangeError(
      `tile width must be an integer from 1 to ${TILE_WIDTH}, got ${String(width)}`,
    );
  }
}
