import fc from 'fast-check';
import {
  PartitionPositions,
  checkStoredPosition,
  decideBatch,
  parseOffset,
  recordDigest,
  type BatchDecision,
  type PartitionPosition,
} from './batch-position';

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
      name: 'should name a gap for the log start to be asked when the fetch is aligned (transaction markers, retention)',
      next: 5n,
      aligned: true,
      offsets: ['7', '8'],
      expected: { kind: 'gap', from: 0 },
    },
    {
      name: 'should check the position again when an aligned batch starts below it (Kafka reset its position)',
      next: 5n,
      aligned: true,
      offsets: ['3', '4', '5', '6'],
      expected: { kind: 'recheck' },
    },
    {
      name: 'should check the position again when an aligned batch lies wholly below it',
      next: 10n,
      aligned: true,
      offsets: ['3', '4'],
      expected: { kind: 'recheck' },
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
    // process and gap hand over from `from`; skip resolves the batch (so must hand nothing
    // at or above next); seek and recheck resolve nothing (the messages come again).
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        fc.integer({ min: 1, max: 50 }),
        (next, first, length) => {
          const offsets = Array.from({ length }, (_, i) => (first + BigInt(i)).toString());
          const decision = decideBatch({ next, aligned: true }, offsets);
          const expected = offsets.map(BigInt).filter((offset) => offset >= next);
          if (decision.kind === 'process' || decision.kind === 'gap') {
            expect(offsets.slice(decision.from).map(BigInt)).toEqual(expected);
          } else if (decision.kind === 'skip') {
            expect(expected).toEqual([]);
          } else {
            expect(decision.kind).toBe('recheck');
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('checkStoredPosition', () => {
  it.each([
    {
      next: 6n,
      low: 0n,
      high: 2n,
      expected: { kind: 'reset', to: '0', cause: 'log_end_before_position', lost: 0 },
    },
    { next: 6n, low: 0n, high: 6n, expected: { kind: 'keep' } },
    { next: 6n, low: 6n, high: 6n, expected: { kind: 'keep' } },
    { next: 0n, low: 0n, high: 0n, expected: { kind: 'keep' } },
    {
      next: 14n,
      low: 17n,
      high: 20n,
      expected: { kind: 'reset', to: '17', cause: 'deleted_unread', lost: 3 },
    },
    {
      next: 5n,
      low: 9n,
      high: 3n,
      expected: { kind: 'reset', to: '9', cause: 'log_end_before_position', lost: 0 },
    },
  ])(
    'should answer $expected.kind for next $next within [$low, $high]',
    ({ next, low, high, expected }) => {
      expect(checkStoredPosition(next, { low, high })).toEqual(expected);
    },
  );
});

describe('decideBatch with a stored position to check against its log', () => {
  const digestOf = (value: string): string =>
    recordDigest({ timestamp: '1700000000000', key: null, value: Buffer.from(value) });
  const loaded = (check: PartitionPosition['toCheck'], aligned = false): PartitionPosition => ({
    next: 10n,
    aligned,
    toCheck: check,
  });

  it('should move to the earliest offset when the stored position is past the log end (topic created again, fewer records)', () => {
    expect(
      decideBatch(loaded({ bounds: { low: 0n, high: 2n }, lastRecord: digestOf('e9') }), [
        '0',
        '1',
      ]),
    ).toEqual({ kind: 'reset', to: '0', cause: 'log_end_before_position', lost: 0 });
  });

  it('should count the messages deleted unread when the log starts past the stored position', () => {
    expect(decideBatch(loaded({ bounds: { low: 13n, high: 20n } }), ['13'])).toEqual({
      kind: 'reset',
      to: '13',
      cause: 'deleted_unread',
      lost: 3,
    });
  });

  it('should seek to the record before the position first, to compare it with the one recorded', () => {
    const check = { bounds: { low: 0n, high: 12n }, lastRecord: digestOf('e9') };
    expect(decideBatch(loaded(check), ['0', '1'])).toEqual({ kind: 'seek', offset: '9' });
  });

  it('should go on after the record before the position when it is the one recorded', () => {
    const check = { bounds: { low: 0n, high: 12n }, lastRecord: digestOf('e9') };
    expect(decideBatch(loaded(check, true), ['9', '10', '11'], () => digestOf('e9'))).toEqual({
      kind: 'process',
      from: 1,
    });
    expect(decideBatch(loaded(check, true), ['9'], () => digestOf('e9'))).toEqual({
      kind: 'skip',
    });
  });

  it('should move to the earliest offset when the record before the position is another one (topic created again and grown past it)', () => {
    const check = { bounds: { low: 0n, high: 12n }, lastRecord: digestOf('e9') };
    expect(decideBatch(loaded(check, true), ['9', '10'], () => digestOf('other'))).toEqual({
      kind: 'reset',
      to: '0',
      cause: 'record_changed',
      lost: 0,
    });
  });

  it('should not compare when the record before the position left the log (retention, compaction)', () => {
    expect(
      decideBatch(loaded({ bounds: { low: 10n, high: 12n }, lastRecord: digestOf('e9') }), [
        '10',
        '11',
      ]),
    ).toEqual({ kind: 'process', from: 0 });
    // Sought it, and the log answered from later on: compacted away.
    expect(
      decideBatch(loaded({ bounds: { low: 0n, high: 12n }, lastRecord: digestOf('e9') }, true), [
        '10',
      ]),
    ).toEqual({ kind: 'process', from: 0 });
  });

  it('should seek to the position itself when there is no record to compare', () => {
    expect(decideBatch(loaded({ bounds: { low: 0n, high: 12n } }), ['0'])).toEqual({
      kind: 'seek',
      offset: '10',
    });
  });
});

describe('recordDigest', () => {
  const record = { timestamp: '1700000000000', key: Buffer.from('k'), value: Buffer.from('v') };

  it('should tell records apart by timestamp, key and value, and a null key from an empty one', () => {
    const digests = new Set(
      [
        record,
        { ...record, timestamp: '1700000000001' },
        { ...record, key: Buffer.from('kv'), value: Buffer.from('') },
        { ...record, key: null },
        { ...record, key: Buffer.alloc(0) },
        { ...record, value: null },
      ].map(recordDigest),
    );
    expect(digests.size).toBe(6);
    expect(recordDigest({ ...record })).toBe(recordDigest(record));
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

  it('should keep what to check of each stored position when loading with checks', () => {
    const positions = new PartitionPositions();
    positions.load(
      [0, 1, 2],
      new Map<number, string | { next: string; lastRecord?: string }>([
        [0, { next: '12', lastRecord: 'abc' }],
        [1, '3'],
      ]),
      true,
    );
    expect(positions.get(0)).toEqual({ next: 12n, aligned: false, toCheck: { lastRecord: 'abc' } });
    expect(positions.get(1)).toEqual({
      next: 3n,
      aligned: false,
      toCheck: { lastRecord: undefined },
    });
    expect(positions.get(2)).toEqual({ next: null, aligned: false });
    positions.checked(0);
    expect(positions.get(0)).toEqual({ next: 12n, aligned: false });
    positions.moved(1, '0');
    expect(positions.get(1)).toEqual({ next: 0n, aligned: false });
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
