import { GraphQLError, Kind } from 'graphql';
import { parseTimestamptz } from '@scantrail/queries';
import { DateTimeScalar } from './date-time.scalar';

describe('DateTimeScalar', () => {
  it('should serialize a Date as UTC with milliseconds and Z', () => {
    expect(DateTimeScalar.serialize(new Date(Date.UTC(2024, 5, 1, 12, 30)))).toBe(
      '2024-06-01T12:30:00.000Z',
    );
  });

  it('should serialize every instant as its own string, however often and in whatever order it recurs', () => {
    // More distinct instants than the scalar keeps, each asked twice, some through a Date
    // changed after its first serialization.
    const instants = Array.from(
      { length: 40_000 },
      (_, i) => -62_135_596_800_000 + i * 7_919_000_003,
    );
    for (const ms of [...instants, ...instants.reverse()]) {
      expect(DateTimeScalar.serialize(new Date(ms))).toBe(new Date(ms).toISOString());
    }
    const moved = new Date(Date.UTC(2024, 0, 1));
    expect(DateTimeScalar.serialize(moved)).toBe('2024-01-01T00:00:00.000Z');
    moved.setTime(Date.UTC(2025, 6, 4, 5, 6, 7, 8));
    expect(DateTimeScalar.serialize(moved)).toBe('2025-07-04T05:06:07.008Z');
  });

  it('should serialize a timestamp read from PostgreSQL as its instant, also once changed', () => {
    const read = parseTimestamptz;
    for (const [text, iso] of [
      ['2025-01-31 09:30:00+00', '2025-01-31T09:30:00.000Z'],
      ['2025-01-31 09:30:00.5+00', '2025-01-31T09:30:00.500Z'],
      ['2025-01-31 09:30:00.12+00', '2025-01-31T09:30:00.120Z'],
      ['2025-01-31 09:30:00.123999+00', '2025-01-31T09:30:00.123Z'],
      ['0100-03-01 00:00:00+00', '0100-03-01T00:00:00.000Z'],
      ['0044-03-15 12:00:00+00 BC', new Date(Date.UTC(-43, 2, 15, 12)).toISOString()],
    ]) {
      expect(DateTimeScalar.serialize(read(text))).toBe(iso);
    }
    const moved = read('2025-01-31 09:30:00+00') as Date;
    moved.setTime(Date.UTC(2025, 6, 4, 5, 6, 7, 8));
    expect(DateTimeScalar.serialize(moved)).toBe('2025-07-04T05:06:07.008Z');
  });

  it.each([
    ['2024-06-01T12:30:00Z', '2024-06-01T12:30:00.000Z'],
    ['2024-06-01T14:30:00+02:00', '2024-06-01T12:30:00.000Z'],
    ['2024-06-01t12:30:00.123456z', '2024-06-01T12:30:00.123Z'],
  ])('should read %s as %s', (text, iso) => {
    expect(DateTimeScalar.parseValue(text).toISOString()).toBe(iso);
    expect(DateTimeScalar.parseLiteral({ kind: Kind.STRING, value: text }).toISOString()).toBe(iso);
  });

  it.each([
    '2024-06-01',
    '2024-02-30T00:00:00Z',
    '2024-06-01T12:30:00',
    'yesterday',
    1717244000000,
  ])('should refuse %j when it is not an RFC 3339 date-time', (value) => {
    expect(() => DateTimeScalar.parseValue(value)).toThrow(/RFC 3339/);
  });

  it.each([
    ['0000-01-01T00:00:00Z', /year 0000/],
    ['2024-05-01T12:00:00+16:00', /offset \+16:00, beyond the \+-15:59/],
    ['2024-05-01T12:00:00-23:59', /offset -23:59/],
    ['0001-01-01T00:00:00+01:00', /outside the storable range/],
    ['9999-12-31T23:59:59-01:00', /outside the storable range/],
  ])('should refuse %s with BAD_USER_INPUT when PostgreSQL could not store it', (text, why) => {
    for (const read of [
      () => DateTimeScalar.parseValue(text),
      () => DateTimeScalar.parseLiteral({ kind: Kind.STRING, value: text }),
    ]) {
      expect(read).toThrow(why);
      try {
        read();
      } catch (error) {
        expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
      }
    }
  });

  it.each(['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2024-05-01T12:00:00-15:59'])(
    'should accept %s at the edge of what PostgreSQL stores',
    (text) => {
      expect(DateTimeScalar.parseValue(text).getTime()).not.toBeNaN();
    },
  );
});
