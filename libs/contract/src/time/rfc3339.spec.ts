import fc from 'fast-check';
import {
  isDateOrDateTime,
  isFullDate,
  isRfc3339DateTime,
  parseRfc3339DateTime,
  periodEnd,
  periodStart,
  STORABLE_MAX_MS,
  STORABLE_MIN_MS,
  unstorableDateOrDateTimeProblem,
  unstorableDateTimeProblem,
} from './rfc3339';

describe('RFC 3339 date-times', () => {
  it.each([
    ['2024-05-01T12:00:00Z', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T12:00:00.123Z', Date.UTC(2024, 4, 1, 12, 0, 0, 123)],
    ['2024-05-01T12:00:00.123456789Z', Date.UTC(2024, 4, 1, 12, 0, 0, 123)],
    ['2024-05-01T12:00:00.5Z', Date.UTC(2024, 4, 1, 12, 0, 0, 500)],
    ['2024-05-01T14:30:00+02:30', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T07:00:00-05:00', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T12:00:00-00:00', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01t12:00:00z', Date.UTC(2024, 4, 1, 12)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['0001-01-01T00:00:00Z', -62_135_596_800_000],
    ['2016-12-31T23:59:60Z', Date.UTC(2016, 11, 31, 23, 59, 59, 999)],
    ['2016-12-31T18:59:60-05:00', Date.UTC(2016, 11, 31, 23, 59, 59, 999)],
  ])('should read %s as its instant when it is a valid RFC 3339 date-time', (text, ms) => {
    expect(parseRfc3339DateTime(text)).toBe(ms);
  });

  it.each([
    ['2024-13-01T00:00:00Z', 'month 13'],
    ['2024-00-10T00:00:00Z', 'month 0'],
    ['2024-02-30T00:00:00Z', 'Feb 30'],
    ['2023-02-29T00:00:00Z', 'Feb 29 of a common year'],
    ['1900-02-29T00:00:00Z', 'Feb 29 of a century year'],
    ['2024-04-31T00:00:00Z', 'Apr 31'],
    ['2024-05-01T12:00:00', 'a missing offset'],
    ['2024-05-01', 'a date alone'],
    ['2024-05-01 12:00:00Z', 'a space separator'],
    ['2024-05-01T24:00:00Z', 'hour 24'],
    ['2024-05-01T12:60:00Z', 'minute 60'],
    ['2024-05-01T12:00:61Z', 'second 61'],
    ['2024-05-01T12:00:60Z', 'a leap second outside the end of a UTC day'],
    ['2024-05-01T12:00:00+24:00', 'an offset of 24 hours'],
    ['2024-05-01T12:00:00+0200', 'an offset without a colon'],
    ['2024-05-01T12:00:00.Z', 'an empty fraction'],
    ['2024-5-1T12:00:00Z', 'single-digit fields'],
    ['+2024-05-01T12:00:00Z', 'an expanded year'],
    ['yesterday', 'prose'],
    ['', 'an empty string'],
  ])('should refuse %s when it has %s', (text) => {
    expect(isRfc3339DateTime(text)).toBe(false);
  });

  it('should agree with Date for any instant when given toISOString output', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0100-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(parseRfc3339DateTime(date.toISOString())).toBe(date.getTime());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should give the same instant for any offset spelling of it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (ms, offsetMinutes) => {
          const instant = Math.floor(ms / 1000) * 1000;
          const local = new Date(instant + offsetMinutes * 60_000).toISOString().slice(0, 19);
          const abs = Math.abs(offsetMinutes);
          const offset = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(parseRfc3339DateTime(local + offset)).toBe(instant);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('calendar dates', () => {
  it.each(['2024-02-29', '2000-02-29', '2023-12-31', '0001-01-01'])(
    'should accept %s when it is a real calendar date',
    (text) => {
      expect(isFullDate(text)).toBe(true);
    },
  );

  it.each(['2023-02-29', '2024-02-30', '2024-13-01', '2024-1-01', '20240101', '2024-01-01Z'])(
    'should refuse %s when it is not a real YYYY-MM-DD date',
    (text) => {
      expect(isFullDate(text)).toBe(false);
    },
  );

  it('should accept both forms when a period bound may be a date or a date-time', () => {
    expect(isDateOrDateTime('2024-01-01')).toBe(true);
    expect(isDateOrDateTime('2024-01-01T00:00:00Z')).toBe(true);
    expect(isDateOrDateTime('2024-01-01T00:00:00')).toBe(false);
  });
});

describe('period bounds', () => {
  it.each([
    ['2024-03-01', Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 1, 23, 59, 59, 999)],
    ['2024-12-31', Date.UTC(2024, 11, 31), Date.UTC(2024, 11, 31, 23, 59, 59, 999)],
    ['2024-03-01T10:15:00Z', Date.UTC(2024, 2, 1, 10, 15), Date.UTC(2024, 2, 1, 10, 15)],
    ['2024-03-01T10:15:00+01:00', Date.UTC(2024, 2, 1, 9, 15), Date.UTC(2024, 2, 1, 9, 15)],
  ])(
    'should open and close a period at the right instant when the bound is %s',
    (text, start, end) => {
      expect(periodStart(text)).toBe(start);
      expect(periodEnd(text)).toBe(end);
    },
  );

  it.each(['2024-02-30', '2024-03-01T10:15:00', 'soon'])(
    'should throw when the bound %s is neither form',
    (text) => {
      expect(() => periodStart(text)).toThrow(/RFC 3339/);
      expect(() => periodEnd(text)).toThrow(/RFC 3339/);
    },
  );
});

describe('storable date-times (what PostgreSQL timestamptz takes)', () => {
  it.each([
    ['2024-05-01T12:00:00+16:00', /offset \+16:00/],
    ['2024-05-01T12:00:00-23:59', /offset -23:59/],
    ['0000-01-01T00:00:00Z', /year 0000/],
    ['0000-12-31T23:00:00-02:00', /year 0000/],
    ['0001-01-01T00:00:00+01:00', /storable range/],
    ['9999-12-31T23:59:59-15:00', /storable range/],
  ])('should name the problem when %s is valid RFC 3339 but cannot be stored', (text, why) => {
    expect(isRfc3339DateTime(text)).toBe(true);
    expect(unstorableDateTimeProblem(text)).toMatch(why);
  });

  it.each([
    '2024-05-01T12:00:00+15:59',
    '2024-05-01T12:00:00-15:59',
    '0001-01-01T00:00:00Z',
    '0001-01-01T00:30:00+00:30',
    '9999-12-31T23:59:59.999Z',
    '9999-12-31T08:00:00-15:59',
    '2016-12-31T23:59:60Z',
  ])('should find no problem when %s is storable', (text) => {
    expect(unstorableDateTimeProblem(text)).toBeUndefined();
  });

  it('should refuse year 0000 and accept 0001 and 9999 when given dates', () => {
    expect(unstorableDateOrDateTimeProblem('0000-01-01')).toMatch(/year 0000/);
    expect(unstorableDateOrDateTimeProblem('0001-01-01')).toBeUndefined();
    expect(unstorableDateOrDateTimeProblem('9999-12-31')).toBeUndefined();
  });

  it('should keep every storable instant between the bounds when given arbitrary valid date-times', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date(STORABLE_MIN_MS),
          max: new Date(STORABLE_MAX_MS),
          noInvalidDate: true,
        }),
        fc.integer({ min: -(15 * 60 + 59), max: 15 * 60 + 59 }),
        (date, offsetMinutes) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const iso = local.toISOString();
          if (!/^\d{4}-/.test(iso)) return; // the local wall clock left years 0001..9999
          const text = `${iso.slice(0, 23)}${offset}`;
          const problem = unstorableDateTimeProblem(text);
          if (iso.startsWith('0000')) expect(problem).toMatch(/year 0000/);
          else expect(problem).toBeUndefined();
        },
      ),
    );
  });
});
