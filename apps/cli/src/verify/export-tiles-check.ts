import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import {
  earlierPartialWidths,
  entryBundlePath,
  MAX_ENTRY_LENGTH,
  tilePath,
  TILE_HEIGHT,
  TILE_WIDTH,
} from '@scantrail/ledger';
import type { PackedLeaves } from './leaf-page-check';
import { EXPORT_FORMAT, type ExportFormat } from './ledger-sources';
import type { EntryPage, VerifiedTree } from './ledger-verifier';

/**
 * What a standard C2SP client reads of an export (its `checkpoint` file, hash tiles and
 * entry bundles) must be exactly what the export's entries and checkpoints make: verify
 * checks the entries and checkpoints, and this ties those files to them.
 *
 * It streams beside verify's one pass over entries.jsonl (VerifyInput.onVerified): each
 * entry bundle and hash tile is compared as soon as the verified tree covers it, so only
 * the leaves of the bundle being filled are held, never the log's. Tiles above level 0 are
 * slices of the tree verify builds anyway. The first difference it reports is the one a
 * check of the whole tree after verify names (the checkpoint file, then the entry bundles
 * in order, then each tile level in order, then a file that is no tile of the tree), so it
 * is reported only if verify itself passes. Each right-edge partial is followed by the
 * narrower partials of the same tile that the export's earlier checkpoints had (C2SP: a
 * log serves the partial tiles of every size it signed), as export writes them. An export made before tiles were exported
 * (neither `checkpoint` nor `tile/`) has nothing to compare.
 */
export class ExportTilesCheck {
  /** The first difference of each kind: [checkpoint file, entry bundles, tile level 0, 1, ...]. */
  private readonly problems: (string | undefined)[] = [];
  /** Files under tile/ not yet matched to a bundle or tile of the tree. */
  private readonly present: Set<string>;
  /** The entry bundle being filled: each leaf as a big-endian uint16 length and its bytes. */
  private bundle = Buffer.allocUnsafe(TILE_WIDTH * 1024);
  private bundleLength = 0;
  private bundleLeaves = 0;
  /** Leaves taken so far (the tree's size after the last page). */
  private size = 0;
  /** By tile level: the hashes of the tile being filled (taken as the tree completes them). */
  private readonly tiles: Buffer[] = [];
  /** By tile level: how many hashes of that level were taken. */
  private readonly taken: number[] = [];

  private constructor(
    private readonly dir: string,
    files: readonly string[],
    checkpointProblem: string | undefined,
    private readonly enabled: boolean,
    /** Tree sizes of the export's checkpoints (checkpoints.jsonl). */
    private readonly checkpointSizes: readonly number[] = [],
    /** Whether the partial tiles of earlier checkpoints must be there (format /2). */
    private readonly earlierRequired = true,
  ) {
    this.present = new Set(files);
    this.problems[0] = checkpointProblem;
  }

  /**
   * Reads the export's checkpoints and lists its tiles. `format` is the manifest's: an export
   * of the first format holds the partial tiles of its latest checkpoint only, so those of
   * earlier checkpoints are compared when present and not required.
   */
  static async open(dir: string, format: ExportFormat = EXPORT_FORMAT): Promise<ExportTilesCheck> {
    const tileRoot = join(dir, 'tile');
    const checkpointFile = join(dir, 'checkpoint');
    if (!existsSync(tileRoot) && !existsSync(checkpointFile)) {
      return new ExportTilesCheck(dir, [], undefined, false);
    }
    // verify checks each line's treeSize against its signed note.
    const lines = (await readFile(join(dir, 'checkpoints.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { treeSize: number; note: string });
    const notes = lines.map((l) => l.note);
    const checkpoint = existsSync(checkpointFile)
      ? await readFile(checkpointFile, 'utf8')
      : undefined;
    const files = existsSync(tileRoot)
      ? (await readdir(tileRoot, { recursive: true, withFileTypes: true }))
          .filter((d) => !d.isDirectory())
          .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
      : [];
    return new ExportTilesCheck(
      dir,
      files,
      checkpoint !== notes.at(-1)
        ? 'the checkpoint file is not the latest checkpoint of checkpoints.jsonl'
        : undefined,
      true,
      lines.map((l) => l.treeSize).filter((size) => Number.isSafeInteger(size) && size >= 0),
      format !== 'scantrail-ledger-export/1',
    );
  }

  /** Takes a verified page (VerifyInput.onVerified): compares what its leaves complete. */
  add(page: EntryPage, tree: VerifiedTree): void {
    if (!this.enabled) return;
    const texts = Array.isArray(page.leafData) ? (page.leafData as readonly string[]) : undefined;
    const packed = texts ? undefined : (page.leafData as PackedLeaves);
    const count = tree.size - this.size;
    for (let i = 0; i < count; i++) {
      if (texts) this.addText(texts[i]);
      else this.addBytes(packed as PackedLeaves, i);
      if (this.bundleLeaves === TILE_WIDTH) {
        const index = (this.size + i + 1) / TILE_WIDTH - 1;
        this.compare(1, entryBundlePath(index), this.bundle.subarray(0, this.bundleLength));
        this.bundleLength = 0;
        this.bundleLeaves = 0;
      }
    }
    this.size = tree.size;
    // Tile level L holds the hashes of Merkle level 8L, each taken as the tree completes it
    // (verify keeps none); a tile is compared once it has 256.
    for (let level = 0; ; level++) {
      const hashes = Math.floor(this.size / 2 ** (TILE_HEIGHT * level));
      if (hashes === 0) break;
      this.tiles[level] ??= Buffer.allocUnsafe(TILE_WIDTH * 32);
      for (let n = this.taken[level] ?? 0; n < hashes; n++) {
        const at = (n % TILE_WIDTH) * 32;
        tree.subtreeHash(TILE_HEIGHT * level, n).copy(this.tiles[level], at);
        if (n % TILE_WIDTH === TILE_WIDTH - 1) this.compareTile(level, n, TILE_WIDTH);
      }
      this.taken[level] = hashes;
    }
  }

  /**
   * After verify passed over every entry: the right edge's partial bundle and tiles, then
   * files that are no tile of the tree. The first difference, or undefined.
   */
  finish(): string | undefined {
    if (!this.enabled) return undefined;
    if (this.bundleLeaves > 0) {
      const index = Math.floor(this.size / TILE_WIDTH);
      this.compare(
        1,
        entryBundlePath(index, this.bundleLeaves),
        this.bundle.subarray(0, this.bundleLength),
      );
      for (const width of earlierPartialWidths(this.size, 0, this.checkpointSizes)) {
        const path = entryBundlePath(index, width);
        if (this.earlierRequired || this.present.has(path)) {
          this.compare(1, path, this.bundlePrefix(width));
        }
      }
    }
    for (let level = 0; (this.taken[level] ?? 0) > 0; level++) {
      const hashes = this.taken[level];
      if (hashes % TILE_WIDTH === 0) continue;
      this.compareTile(level, hashes - 1, hashes % TILE_WIDTH);
      for (const width of earlierPartialWidths(this.size, level, this.checkpointSizes)) {
        this.compareTile(level, hashes - 1, width, this.earlierRequired);
      }
    }
    const first = this.problems.find((p) => p !== undefined);
    if (first !== undefined) return first;
    const extra = [...this.present].sort()[0];
    return extra === undefined ? undefined : `${extra} is no tile of the exported tree`;
  }

  private addText(text: string): void {
    const room = 2 + 3 * text.length;
    if (this.bundleLength + room > this.bundle.length) this.grow(room);
    const length = this.bundle.write(text, this.bundleLength + 2, 'utf8');
    this.endLeaf(length);
  }

  private addBytes({ bytes, ends }: PackedLeaves, i: number): void {
    const start = i === 0 ? 1 : ends[i - 1] + 1;
    const length = ends[i] - start;
    if (this.bundleLength + 2 + length > this.bundle.length) this.grow(2 + length);
    this.bundle.set(bytes.subarray(start, ends[i]), this.bundleLength + 2);
    this.endLeaf(length);
  }

  private endLeaf(length: number): void {
    // Verify refuses such a leaf first; an entry bundle could not frame it.
    if (length > MAX_ENTRY_LENGTH) throw new RangeError(`a leaf of ${length} bytes`);
    this.bundle.writeUInt16BE(length, this.bundleLength);
    this.bundleLength += 2 + length;
    this.bundleLeaves += 1;
  }

  /** The first `width` entries of the bundle being filled, framed as in a bundle. */
  private bundlePrefix(width: number): Buffer {
    let end = 0;
    for (let i = 0; i < width; i++) end += 2 + this.bundle.readUInt16BE(end);
    return this.bundle.subarray(0, end);
  }

  private grow(room: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.bundle.length, this.bundleLength + room));
    this.bundle.copy(bigger, 0, 0, this.bundleLength);
    this.bundle = bigger;
  }

  /** The tile of tile level `level` whose last hash is hash `n`, `width` hashes wide. */
  private compareTile(level: number, n: number, width: number, required = true): void {
    const path = tilePath(level, Math.floor(n / TILE_WIDTH), width);
    // An earlier checkpoint's partial tile may be absent from an export of format /1.
    if (!required && !this.present.has(path)) return;
    this.compare(2 + level, path, this.tiles[level].subarray(0, width * 32));
  }

  /** Compares one file with what the tree makes; keeps the first difference of its kind. */
  private compare(kind: number, path: string, body: Buffer): void {
    if (this.problems[kind] !== undefined) return;
    if (!this.present.delete(path)) {
      this.problems[kind] = `${path} is missing`;
    } else if (!readFileSync(join(this.dir, path)).equals(body)) {
      this.problems[kind] = `${path} differs from the tile of the exported entries`;
    }
  }
}
