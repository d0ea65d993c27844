import { leafHash } from '../hashing/ledger-hashes';
import { merkleTreeHash } from '../merkle/merkle-reference';
import { hashesToAppend } from '../merkle/stored-hash-tree';
import {
  earlierPartialWidths,
  entryBundlePath,
  parseEntryBundlePath,
  parseTilePath,
  tileHashIndexes,
  tilePath,
  tileWidth,
} from './tile-path';

describe('tile paths', () => {
  it.each([
    [0, 1234067, 256, 'tile/0/x001/x234/067'],
    [0, 0, 256, 'tile/0/000'],
    [1, 5, 17, 'tile/1/005.p/17'],
    [2, 1000, 256, 'tile/2/x001/000'],
    [3, 999, 1, 'tile/3/999.p/1'],
    [63, 123456078, 255, 'tile/63/x123/x456/078.p/255'],
  ])('should write tile level %i index %i width %i as %s', (level, index, width, path) => {
    expect(tilePath(level, index, width)).toBe(path);
    expect(parseTilePath(path)).toEqual({ level, index, width });
    expect(parseTilePath(`/${path}`)).toEqual({ level, index, width });
  });

  it('should default to a full tile when no width is given', () => {
    expect(tilePath(0, 7)).toBe('tile/0/007');
  });

  it.each([
    [1234067, 256, 'tile/entries/x001/x234/067'],
    [0, 112, 'tile/entries/000.p/112'],
  ])('should write entry bundle %i width %i as %s', (index, width, path) => {
    expect(entryBundlePath(index, width)).toBe(path);
    expect(parseEntryBundlePath(path)).toEqual({ index, width });
  });

  it.each([
    'tile/0/1234',
    'tile/0/x001',
    'tile/0/001/x234',
    'tile/0/x000/001',
    'tile/00/000',
    'tile/64/000',
    'tile/-1/000',
    'tile/0/000.p/256',
    'tile/0/000.p/0',
    'tile/0/000.p/05',
    'tile/0/000.p/',
    'tile/0/',
    'tile/0',
    'tiles/0/000',
    'tile/entries/000',
    'tile/0/x1/000',
  ])('should reject %j when it is not a canonical Merkle tile path', (path) => {
    expect(() => parseTilePath(path)).toThrow(Error);
  });

  it.each(['tile/0/000', 'tile/entries/x000/000', 'tile/entries/000.p/256'])(
    'should reject %j when it is not a canonical entry bundle path',
    (path) => {
      expect(() => parseEntryBundlePath(path)).toThrow(Error);
    },
  );

  it.each([
    ['a level above 63', (): string => tilePath(64, 0)],
    ['a width of 0', (): string => tilePath(0, 0, 0)],
    ['a width above 256', (): string => tilePath(0, 0, 257)],
    ['a negative index', (): string => entryBundlePath(-1)],
  ])('should throw a RangeError when building a path with %s', (_label, call) => {
    expect(call).toThrow(RangeError);
  });

  // The tlog-tiles example: a tree of 70,000 leaves.
  it.each([
    [0, 272, 256],
    [0, 273, 112],
    [0, 274, 0],
    [1, 0, 256],
    [1, 1, 17],
    [2, 0, 1],
    [3, 0, 0],
  ])(
    'should size tile level %i index %i as width %i when the tree has 70000 leaves',
    (level, index, width) => {
      expect(tileWidth(70_000, level, index)).toBe(width);
    },
  );

  it('should hold the leaf hashes and full-tile roots at their stored indexes when read as tiles', async () => {
    const leaves = Array.from({ length: 600 }, (_, i) => leafHash(`entry ${i}`));
    const stored = new Map<number, Buffer>();
    for (const { index, hash } of await hashesToAppend(0, leaves, () => Promise.resolve([]))) {
      stored.set(index, hash);
    }
    const level0 = tileHashIndexes(0, 2, tileWidth(600, 0, 2)).map((i) => stored.get(i));
    expect(level0).toEqual(leaves.slice(512, 600));
    const level1 = tileHashIndexes(1, 0, tileWidth(600, 1, 0)).map((i) => stored.get(i));
    expect(level1).toEqual([
      merkleTreeHash(leaves.slice(0, 256)),
      merkleTreeHash(leaves.slice(256, 512)),
    ]);
  });

  // Printed by tessera's api/layout (TilePath, EntriesPath), the C2SP reference layout in Go:
  // /work/tmp/s27/tlogcheck (`tlogcheck -paths`), session 27.
  it.each([
    [0, 'tile/0/000', 'tile/63/000.p/7', 'tile/entries/000.p/255'],
    [999, 'tile/0/999', 'tile/63/999.p/7', 'tile/entries/999.p/255'],
    [1000, 'tile/0/x001/000', 'tile/63/x001/000.p/7', 'tile/entries/x001/000.p/255'],
    [1001, 'tile/0/x001/001', 'tile/63/x001/001.p/7', 'tile/entries/x001/001.p/255'],
    [99999, 'tile/0/x099/999', 'tile/63/x099/999.p/7', 'tile/entries/x099/999.p/255'],
    [
      1000000,
      'tile/0/x001/x000/000',
      'tile/63/x001/x000/000.p/7',
      'tile/entries/x001/x000/000.p/255',
    ],
    [
      2 ** 32 + 7,
      'tile/0/x004/x294/x967/303',
      'tile/63/x004/x294/x967/303.p/7',
      'tile/entries/x004/x294/x967/303.p/255',
    ],
    [
      2 ** 53 - 1,
      'tile/0/x009/x007/x199/x254/x740/991',
      'tile/63/x009/x007/x199/x254/x740/991.p/7',
      'tile/entries/x009/x007/x199/x254/x740/991.p/255',
    ],
  ])(
    'should write index %i as tessera does when formatting and parsing paths',
    (index, full, partial, bundle) => {
      expect([tilePath(0, index), tilePath(63, index, 7), entryBundlePath(index, 255)]).toEqual([
        full,
        partial,
        bundle,
      ]);
      expect(parseTilePath(full)).toEqual({ level: 0, index, width: 256 });
      expect(parseTilePath(partial)).toEqual({ level: 63, index, width: 7 });
      expect(parseEntryBundlePath(bundle)).toEqual({ index, width: 255 });
    },
  );

  it.each([
    // treeSize, level, earlier sizes, widths
    [600, 0, [5, 300, 300, 512, 590, 600, 599], [78, 87]],
    [600, 1, [5, 300, 512, 590], [1]],
    [512, 0, [300, 511], []],
    [512, 1, [0, 255, 256, 300, 511], [1]],
    [70_000, 2, [65_535, 65_536, 69_999], []],
    [0, 0, [0], []],
  ])(
    'should list the earlier partial widths of the edge tile of a tree of %i at level %i',
    (treeSize, level, earlier, widths) => {
      expect(earlierPartialWidths(treeSize, level, earlier)).toEqual(widths);
    },
  );
});
