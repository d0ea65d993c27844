import fc from 'fast-check';
import { PartitionPositions, decideBatch, parseOffset, type BatchDecision } from './batch-position';

describe('decideBatch', () => {
  const cases: {
    name: string;
    next: bigint | null;
    aligned: boolean;
    offsets: string[];
    expected: BatchDecision;
  }[] = [
    {
      name: 'should process the whole batch when the database has no offset yet',
      next: null,
      aligned: false,
      offsets: ['7', '8'],
      expected: { kind: 'process', from: 0 },
    },
    {
      name: 'should process the whole batch when it starts exactly where the database says',
      next: 5n,
      aligned: false,
      offsets: ['5', '6'],
      expected: { kind: 'process', from: 0 },
    },
    {
      name: 'should seek to the database offset when an unaligned fetch starts later',
      next: 5n,
      aligned: false,
      offsets: ['9', '10'],
      expected: { kind: 'seek', offset: '5' },
    },
    {
      name: 'should seek to the database offset when an unaligned fetch starts earlier',
      next: 5n,
      aligned: false,
      offsets: ['2', '3', '4', '5'],
      expected: { kind: 'seek', offset: '5' },
    },
    {
      name: 'should accept a gap when the fetch is aligned (transaction markers, retention)',
      next: 5n,
      aligned: true,
      offsets: ['7', '8'],
      expected: { kind: 'process', from: 0 },
    },
    {
      name: 'should drop already recorded messages when an aligned batch overlaps',
      next: 5n,
      aligned: true,
      offsets: ['3', '4', '5', '6'],
      expected: { kind: 'process', from: 2 },
    },
    {
      name: 'should skip the batch when every message is already recorded',
      next: 10n,
      aligned: true,
      offsets: ['3', '4'],
      expected: { kind: 'skip' },
    },
    {
      name: 'should skip when the batch is empty',
      next: 1n,
      aligned: false,
      offsets: [],
      expected: { kind: 'skip' },
    },
    {
      name: 'should compare offsets as integers when they exceed 2^53',
      next: 9007199254740993n,
      aligned: false,
      offsets: ['9007199254740993'],
      expected: { kind: 'process', from: 0 },
    },
  ];

  it.each(cases)('$name', ({ next, aligned, offsets, expected }) => {
    expect(decideBatch({ next, aligned }, offsets)).toEqual(expected);
  });

  it('should never hand over a message below the next offset nor skip one at or above it when aligned', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        fc.integer({ min: 1, max: 50 }),
        (next, first, length) => {
          const offsets = Array.from({ length }, (_, i) => (first + BigInt(i)).toString());
          const decision = decideBatch({ next, aligned: true }, offsets);
          const handed =
            decision.kind === 'process' ? offsets.slice(decision.from).map(BigInt) : [];
          const expected = offsets.map(BigInt).filter((offset) => offset >= next);
          expect(handed).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('parseOffset', () => {
  it.each(['0', '42', '9223372036854775807'])('should accept %s', (value) => {
    expect(parseOffset(value, 0)).toBe(BigInt(value));
  });

  it.each(['', '-1', '1.5', 'abc', ' 1'])(
    'should reject "%s" when it is not an offset',
    (value) => {
      expect(() => parseOffset(value, 3)).toThrow(/partition 3/);
    },
  );
});

describe('PartitionPositions', () => {
  it('should mark partitions the database does not mention as having no offset when loading', () => {
    const positions = new PartitionPositions();
    positions.load([0, 1], new Map([[0, '12']]));
    expect(positions.get(0)).toEqual({ next: 12n, aligned: false });
    expect(positions.get(1)).toEqual({ next: null, aligned: false });
  });

  it('should list only partitions without a position when asked which are unknown', () => {
    const positions = new PartitionPositions();
    positions.load([0], new Map());
    expect(positions.unknown([0, 1, 2, 1])).toEqual([1, 2]);
  });

  it('should expect the offset after the last one when a batch was handled', () => {
    const positions = new PartitionPositions();
    positions.advance(2, '99');
    expect(positions.get(2)).toEqual({ next: 100n, aligned: true });
  });

  it('should be aligned after a seek and forget everything when reassigned', () => {
    const positions = new PartitionPositions();
    positions.load([0, 1], new Map([[0, '5']]));
    positions.markSought(0);
    expect(positions.get(0)?.aligned).toBe(true);
    positions.forget(0);
    expect(positions.get(0)).toBeUndefined();
    positions.forgetAll();
    expect(positions.get(1)).toBeUndefined();
  });
});
