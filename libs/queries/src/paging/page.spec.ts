import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize, toPage } from './page';
import { InvalidArgumentError } from '../errors/read-errors';

describe('pageSize', () => {
  it.each([
    [undefined, DEFAULT_PAGE_SIZE],
    [null, DEFAULT_PAGE_SIZE],
    [0, 0],
    [7, 7],
    [MAX_PAGE_SIZE, MAX_PAGE_SIZE],
  ])('should give %j -> %d when first is within the cap', (first, size) => {
    expect(pageSize(first)).toBe(size);
  });

  it.each([-1, MAX_PAGE_SIZE + 1, 2.5])(
    'should refuse first=%d with a message naming the range',
    (first) => {
      expect(() => pageSize(first)).toThrow(InvalidArgumentError);
      expect(() => pageSize(first)).toThrow(`first must be between 0 and ${MAX_PAGE_SIZE}`);
    },
  );
});

describe('toPage', () => {
  const cursor = (n: number): string => `c${n}`;
  it('should report a next page and the last kept cursor when an extra row was fetched', () => {
    expect(toPage([1, 2, 3], 2, cursor, (n) => n * 10, 9)).toEqual({
      edges: [
        { cursor: 'c1', node: 10 },
        { cursor: 'c2', node: 20 },
      ],
      pageInfo: { hasNextPage: true, endCursor: 'c2' },
      totalCount: 9,
    });
  });

  it('should count once, and only when totalCount is read, when counting is deferred', async () => {
    const count = jest.fn(() => Promise.resolve(42));
    const page = toPage([1], 5, cursor, (n) => n, count);
    expect(count).not.toHaveBeenCalled();
    expect(await page.totalCount).toBe(42);
    expect(await page.totalCount).toBe(42);
    expect(count).toHaveBeenCalledTimes(1);
  });

  it('should have a null endCursor when the page is empty', () => {
    expect(toPage([], 5, cursor, (n) => n, 0).pageInfo).toEqual({
      hasNextPage: false,
      endCursor: null,
    });
  });
});
