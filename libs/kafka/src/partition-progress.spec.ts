import { PartitionProgressBook } from './partition-progress';

describe('PartitionProgressBook', () => {
  it('should report lag and reset failures when a partition advances', () => {
    const book = new PartitionProgressBook();
    expect(book.failed(0, '10', '25', 1_000)).toBe(0);
    expect(book.failed(0, '10', '25', 2_000)).toBe(1);
    book.advanced(0, '20', '25', 3_000);
    expect(book.snapshot()).toEqual([
      {
        partition: 0,
        position: '20',
        highWatermark: '25',
        lag: 5,
        retries: 2,
        failuresInARow: 0,
        lastAdvancedAt: 3_000,
      },
    ]);
  });

  it('should call a partition stalled when it keeps failing past the limit while others advance', () => {
    const book = new PartitionProgressBook();
    book.keepOnly([0, 1, 2], 0);
    for (let t = 1_000; t <= 61_000; t += 10_000) {
      book.failed(1, '5', '9', t);
      book.advanced(0, String(t), String(t), t);
    }
    expect(book.stalled(61_000, 60_000).map((p) => p.partition)).toEqual([1]);
    expect(book.stalled(59_000, 60_000)).toEqual([]);
  });

  it('should call a partition stalled when a high watermark asked apart shows messages waiting and no batch of it comes', () => {
    const book = new PartitionProgressBook();
    book.keepOnly([0, 1, 2], 0);
    book.advanced(1, '1', '1', 1_000);
    // A refused batch at offset 1 of partition 1; partition 2 never had a batch (its stored
    // position is 4); partition 0 is not asked a position and has none.
    book.sawHighWatermark(1, '3', '1');
    book.sawHighWatermark(2, '9', '4');
    book.sawHighWatermark(0, '5');
    book.sawHighWatermark(7, '5', '0'); // not held here
    expect(
      book.snapshot().map(({ partition, position, lag }) => ({ partition, position, lag })),
    ).toEqual([
      { partition: 0, position: undefined, lag: 0 },
      { partition: 1, position: '1', lag: 2 },
      { partition: 2, position: '4', lag: 5 },
    ]);
    expect(book.stalled(61_000, 60_000).map((p) => p.partition)).toEqual([1, 2]);
    expect(book.stalled(60_500, 60_000).map((p) => p.partition)).toEqual([2]);
  });

  it('should not call an idle partition stalled when nothing waits on it', () => {
    const book = new PartitionProgressBook();
    book.advanced(2, '7', '7', 0);
    expect(book.stalled(10 * 60_000, 60_000)).toEqual([]);
  });

  it('should forget partitions it no longer holds when the assignment changes', () => {
    const book = new PartitionProgressBook();
    book.failed(0, '1', '2', 0);
    book.keepOnly([1], 5);
    expect(book.snapshot().map((p) => [p.partition, p.lastAdvancedAt])).toEqual([[1, 5]]);
  });
});
