import {
  canonicalJson,
  decodeEntryBundle,
  entryBundlePath,
  leafHash,
  merkleTreeHash,
  tilePath,
  TILE_HEIGHT,
  TILE_WIDTH,
} from '@scantrail/ledger';
import { tileFiles } from './tile-export';

function log(size: number): { texts: string[]; hashes: Buffer[] } {
  const texts = Array.from({ length: size }, (_, sequence) => canonicalJson({ sequence }));
  return { texts, hashes: texts.map((t) => leafHash(t)) };
}

/**
 * What a C2SP tlog-tiles client that trusts a checkpoint of `size` reads: at every level,
 * each tile the tree of that size has, asked as `.p/<W>` where it is partial, falling back
 * to the full tile (tessera's client does so); the same for entry bundles. Returns the
 * first thing it could not read or that differs from the tree, or undefined.
 */
function clientProblem(
  files: ReadonlyMap<string, Buffer>,
  { texts, hashes }: ReturnType<typeof log>,
  size: number,
): string | undefined {
  const read = (partial: string, full: string, width: number): Buffer | undefined => {
    const body = files.get(partial) ?? files.get(full);
    return body === undefined ? undefined : body.subarray(0, width * 32);
  };
  for (let index = 0; index * TILE_WIDTH < size; index++) {
    const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
    const path = entryBundlePath(index, width);
    const body = files.get(path) ?? files.get(entryBundlePath(index));
    if (body === undefined) return `${path} cannot be read`;
    const entries = decodeEntryBundle(body).slice(0, width);
    const want = texts.slice(index * TILE_WIDTH, index * TILE_WIDTH + width);
    if (entries.map((e) => e.toString('utf8')).join('\n') !== want.join('\n')) {
      return `${path} differs`;
    }
  }
  for (let level = 0; Math.floor(size / 2 ** (TILE_HEIGHT * level)) > 0; level++) {
    const span = 2 ** (TILE_HEIGHT * level);
    const count = Math.floor(size / span);
    for (let index = 0; index * TILE_WIDTH < count; index++) {
      const width = Math.min(TILE_WIDTH, count - index * TILE_WIDTH);
      const path = tilePath(level, index, width);
      const body = read(path, tilePath(level, index), width);
      if (body === undefined || body.length !== width * 32) return `${path} cannot be read`;
      for (let i = 0; i < width; i++) {
        const first = (index * TILE_WIDTH + i) * span;
        const want = merkleTreeHash(hashes.slice(first, first + span));
        if (!body.subarray(i * 32, i * 32 + 32).equals(want)) return `${path} differs at ${i}`;
      }
    }
  }
  return undefined;
}

describe('tile export', () => {
  const files = (l: ReturnType<typeof log>, checkpointSizes?: number[]): Map<string, Buffer> =>
    new Map([...tileFiles(l.hashes, l.texts, checkpointSizes)].map((f) => [f.path, f.body]));

  it.each([1, 255, 256, 257, 600, 65_536 + 300])(
    'should let a tiles client read the whole tree when the export holds %i entries',
    (size) => {
      const l = log(size);
      expect(clientProblem(files(l), l, size)).toBeUndefined();
    },
  );

  // C2SP tlog-tiles: "Logs MUST serve partial tiles corresponding to tree sizes for which a
  // checkpoint was produced" (until the full tile is there). An export ships its checkpoints,
  // so a client holding any of them (not only the latest) can read its tree from the export.
  it('should let a tiles client read the tree of every exported checkpoint when its tiles are still partial', () => {
    const l = log(65_536 + 700);
    const sizes = [0, 1, 5, 300, 511, 512, 65_536, 65_536 + 256, 65_536 + 600, 65_536 + 699];
    const exported = files(l, [...sizes, l.texts.length]);
    for (const size of sizes) {
      expect([size, clientProblem(exported, l, size)]).toEqual([size, undefined]);
    }
    expect(clientProblem(exported, l, l.texts.length)).toBeUndefined();
  }, 60_000);

  it('should write each partial tile of an earlier checkpoint once, and none the final tree has full', () => {
    const l = log(600);
    const paths = [...tileFiles(l.hashes, l.texts, [5, 300, 300, 512, 590, 600])].map(
      (f) => f.path,
    );
    expect(paths).toEqual([
      'tile/entries/000',
      'tile/entries/001',
      'tile/entries/002.p/88',
      'tile/entries/002.p/78',
      'tile/0/000',
      'tile/0/001',
      'tile/0/002.p/88',
      'tile/0/002.p/78',
      'tile/1/000.p/2',
      'tile/1/000.p/1',
    ]);
  });
});
