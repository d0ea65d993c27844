import fc from 'fast-check';
import { rfc3339Micros } from './timestamp-micros';

/** The regular-expression reading rfc3339Micros had before it read by position: the oracle. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
function byRegularExpression(text: string): bigint | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < 1000 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 15 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const fraction = BigInt((m[7] ?? '').padEnd(6, '0'));
  return BigInt(ms) * 1000n + fraction - BigInt(offsetMinutes) * 60_000_000n;
}

/** Date-time texts near the accepted shape: each part mostly right, else out of range or malformed. */
const mostly = (right: fc.Arbitrary<string>, wrong: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 12, arbitrary: right }, { weight: 1, arbitrary: wrong });
const padded = (min: number, max: number, width: number): fc.Arbitrary<string> =>
  fc.integer({ min, max }).map((v) => String(v).padStart(width, '0'));
const junk = (n: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom('0', '1', '9', 'a', '-', ':', '.', '٣'), maxLength: n + 1 });
const nearDateTime = fc
  .tuple(
    mostly(padded(1000, 9999, 4), fc.oneof(padded(0, 999, 4), junk(4))),
    mostly(fc.constant('-'), fc.constantFrom('/', '')),
    mostly(padded(1, 12, 2), fc.oneof(fc.constantFrom('00', '13', '1'), junk(2))),
    mostly(fc.constant('-'), fc.constantFrom('.', '')),
    mostly(padded(1, 31, 2), fc.oneof(fc.constantFrom('00', '32', '3'), junk(2))),
    mostly(fc.constantFrom('T', 't', ' '), fc.constantFrom('_', '', 'TT')),
    mostly(padded(0, 23, 2), fc.oneof(fc.constantFrom('24', '99'), junk(2))),
    mostly(fc.constant(':'), fc.constantFrom(';', '')),
    mostly(padded(0, 59, 2), fc.oneof(fc.constantFrom('60', '7'), junk(2))),
    mostly(fc.constant(':'), fc.constantFrom(';', '')),
    mostly(padded(0, 59, 2), fc.oneof(fc.constantFrom('60', '61'), junk(2))),
    mostly(
      fc.oneof(
        fc.constant(''),
        fc.integer({ min: 1, max: 6 }).chain((n) => padded(0, 10 ** n - 1, n).map((d) => `.${d}`)),
      ),
      fc.oneof(
        fc.constantFrom('.', '.1234567', '.12345678'),
        junk(7).map((d) => `.${d}`),
      ),
    ),
    mostly(
      fc.oneof(
        fc.constantFrom('Z', 'z'),
        fc
          .tuple(fc.constantFrom('+', '-'), padded(0, 15, 2), padded(0, 59, 2))
          .map(([sign, h, m]) => `${sign}${h}:${m}`),
      ),
      fc.oneof(
        fc.constantFrom('', 'ZZ', 'UTC', '+16:00', '-15:60', '+0100', '±01:00', '+1:00'),
        junk(6),
      ),
    ),
    mostly(fc.constant(''), fc.constantFrom('\n', ' ', '0', 'Z')),
  )
  .map((parts) => parts.join(''));

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

  it('should answer exactly as the regular-expression reading when given texts near the shape', () => {
    let answered = 0;
    fc.assert(
      fc.property(nearDateTime, (text) => {
        const expected = byRegularExpression(text);
        if (expected !== undefined) answered++;
        expect(rfc3339Micros(text)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
    // The generator reaches both answers, not only refusals.
    expect(answered).toBeGreaterThan(2_000);
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
