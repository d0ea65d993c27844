import fc from 'fast-check';
import { rfc3339Micros } from './timestamp-micros';

describe('rfc3339Micros', () => {
  it.each([
    ['1970-01-01T00:00:00Z', 0n],
    ['2000-01-01T00:00:00.000001Z', 946_684_800_000_001n],
    ['2024-02-29T12:30:15.123456+02:00', 1_709_202_615_123_456n],
    ['2024-02-29t12:30:15.5-01:30', 1_709_215_215_500_000n],
    ['2024-02-29 12:30:15z', 1_709_209_815_000_000n],
  ])('should give the instant of %s when it is a plain RFC 3339 date-time', (text, micros) => {
    expect(rfc3339Micros(text)).toBe(micros);
  });

  it.each([
    ['2016-12-31T23:59:60Z', 'a leap second'],
    ['2024-02-30T00:00:00Z', 'a day the calendar lacks'],
    ['2024-01-01T00:00:00.1234567Z', 'more than 6 fraction digits'],
    ['2024-01-01T00:00:00', 'no offset'],
    ['0999-01-01T00:00:00Z', 'a year before 1000'],
    ['2024-01-01T24:00:00Z', 'hour 24'],
    ['2024-01-01T00:00:00+16:00', 'an offset PostgreSQL refuses'],
  ])('should leave %s to PostgreSQL when it has %s', (text) => {
    expect(rfc3339Micros(text)).toBeUndefined();
  });

  it('should agree with Date for every millisecond-precise UTC instant', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(rfc3339Micros(date.toISOString())).toBe(BigInt(date.getTime()) * 1000n);
        },
      ),
    );
  });
});
