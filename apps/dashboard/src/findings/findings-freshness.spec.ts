import { describeFreshness } from './findings-freshness';

describe('describeFreshness', () => {
  it.each([
    [
      'should say up to date with the position when nothing waits',
      { findingsCompleteThrough: 12345, findingsLag: 0, findingsLagSeconds: 0 },
      { state: 'current', value: 'Up to date', note: 'complete through entry #12,345' },
    ],
    [
      'should say how many entries wait and for how long when the findings are behind',
      { findingsCompleteThrough: 99, findingsLag: 2500, findingsLagSeconds: 3.4 },
      {
        state: 'behind',
        value: '2,500 entries behind',
        note: 'complete through entry #99; oldest waiting 3 s',
      },
    ],
    [
      'should say no entry was evaluated yet when the worker has not run',
      { findingsCompleteThrough: null, findingsLag: 1, findingsLagSeconds: 0.2 },
      {
        state: 'behind',
        value: '1 entry behind',
        note: 'no entry evaluated yet; oldest waiting 1 s',
      },
    ],
    [
      'should say up to date on an empty ledger',
      { findingsCompleteThrough: null, findingsLag: 0, findingsLagSeconds: 0 },
      { state: 'current', value: 'Up to date', note: 'no entry evaluated yet' },
    ],
  ])('%s', (_name, freshness, expected) => {
    expect(describeFreshness(freshness)).toEqual(expected);
  });
});
