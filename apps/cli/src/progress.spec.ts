import { formatDuration, formatProgress } from './progress';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [42.4, '42s'],
    [59.6, '1m00s'],
    [185, '3m05s'],
    [3720, '1h02m'],
    [-3, '0s'],
  ])('should render %p seconds as %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('formatProgress', () => {
  it('should show the bar, counts, percentage, rate and time left when the total is known', () => {
    expect(
      formatProgress({ label: 'verifying', done: 250_000, total: 1_000_000, seconds: 2.5 }),
    ).toBe('verifying [########......................] 250,000/1,000,000 25% (100,000/s, ETA 8s)');
  });

  it('should project the time left from the rate so far when the rest is long', () => {
    expect(formatProgress({ label: 'exporting', done: 1_000, total: 2_000_000, seconds: 1 })).toBe(
      'exporting [..............................] 1,000/2,000,000 0% (1,000/s, ETA 33m19s)',
    );
  });

  it('should say the time left is unknown when nothing is done yet', () => {
    expect(formatProgress({ label: 'verifying', done: 0, total: 10, seconds: 0 })).toBe(
      'verifying [..............................] 0/10 0% (0/s, ETA ?)',
    );
  });

  it('should say done with a full bar when all entries are done', () => {
    expect(formatProgress({ label: 'verifying', done: 10, total: 10, seconds: 2 })).toBe(
      'verifying [##############################] 10/10 100% (5/s, done)',
    );
  });

  it('should show only the count and rate when the total is unknown', () => {
    expect(formatProgress({ label: 'replaying', done: 3_000, seconds: 2 })).toBe(
      'replaying 3,000 (1,500/s)',
    );
  });
});
