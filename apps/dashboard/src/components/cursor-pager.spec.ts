import { CursorPager } from './cursor-pager';

describe('CursorPager', () => {
  it('should count the rows before a page from the pages really shown when pages end early', () => {
    const pager = new CursorPager();
    expect([pager.index, pager.after, pager.rowsBefore]).toEqual([0, null, 0]);
    pager.next('c16', 16);
    pager.next('c30', 14);
    expect([pager.index, pager.after, pager.rowsBefore]).toEqual([2, 'c30', 30]);
    pager.previous();
    expect([pager.index, pager.after, pager.rowsBefore]).toEqual([1, 'c16', 16]);
  });

  it('should go back to the first page on reset and stay there on previous', () => {
    const pager = new CursorPager();
    pager.next('c50', 50);
    pager.reset();
    pager.previous();
    expect([pager.index, pager.after, pager.rowsBefore]).toEqual([0, null, 0]);
  });
});
