import { Kind } from 'graphql';
import { DateTimeScalar } from './date-time.scalar';

describe('DateTimeScalar', () => {
  it('should serialize a Date as UTC with milliseconds and Z', () => {
    expect(DateTimeScalar.serialize(new Date(Date.UTC(2024, 5, 1, 12, 30)))).toBe(
      '2024-06-01T12:30:00.000Z',
    );
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
});
