import { splitStoredHashIndex, storedHashCount, storedHashIndex } from './stored-hash-index';

describe('stored hash index', () => {
  // Leaf 0; leaf 1 and the pair (0,1); leaf 2; leaf 3, (2,3), (0..3); leaf 4 ...
  it.each([
    [0, 0, 0],
    [0, 1, 1],
    [1, 0, 2],
    [0, 2, 3],
    [0, 3, 4],
    [1, 1, 5],
    [2, 0, 6],
    [0, 4, 7],
    [0, 7, 11],
    [3, 0, 14],
  ])('should number level %i hash %i as %i when laid out like sumdb/tlog', (level, n, index) => {
    expect(storedHashIndex(level, n)).toBe(index);
    expect(splitStoredHashIndex(index)).toEqual({ level, n });
  });

  it('should invert storedHashIndex when splitting any index of the first levels', () => {
    for (let level = 0; level < 10; level++) {
      for (let n = 0; n < 100; n++) {
        expect(splitStoredHashIndex(storedHashIndex(level, n))).toEqual({ level, n });
      }
    }
  });

  it('should give consecutive indexes when every index is split in turn', () => {
    for (let index = 0; index < 5000; index++) {
      const { level, n } = splitStoredHashIndex(index);
      expect(storedHashIndex(level, n)).toBe(index);
    }
  });

  it.each([
    [0, 0],
    [1, 1],
    [2, 3],
    [3, 4],
    [4, 7],
    [5, 8],
    [6, 10],
    [7, 11],
    [8, 15],
  ])('should count %i leaves as %i stored hashes', (size, count) => {
    expect(storedHashCount(size)).toBe(count);
  });

  it.each([
    [20, 5],
    [0, 10_000_000],
    [0, 2 ** 50],
    [40, 1234],
    [52, 0],
  ])('should round-trip level %i hash %i when the tree is large', (level, n) => {
    expect(splitStoredHashIndex(storedHashIndex(level, n))).toEqual({ level, n });
  });

  it('should count about two hashes per leaf when the tree has ten million leaves', () => {
    const count = storedHashCount(10_000_000);
    expect(count).toBe(storedHashIndex(0, 9_999_999) + 1 + 7);
    expect(count).toBeLessThan(20_000_000);
  });

  it.each([
    ['a negative level', (): number => storedHashIndex(-1, 0)],
    ['a fractional n', (): number => storedHashIndex(0, 1.5)],
    ['a level above 52', (): number => storedHashIndex(53, 0)],
    ['an index past the safe range', (): number => storedHashIndex(30, 2 ** 30)],
    ['a negative index', (): { level: number; n: number } => splitStoredHashIndex(-1)],
    ['a negative tree size', (): number => storedHashCount(-1)],
  ])('should throw a RangeError when given %s', (_label, call) => {
    expect(call).toThrow(RangeError);
  });
});
