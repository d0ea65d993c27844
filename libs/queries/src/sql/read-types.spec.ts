import fc from 'fast-check';
import { types } from 'pg';
import { READ_TYPES, parseTimestamptz, readIsoString } from './read-types';

const pgTimestamptz = types.getTypeParser(1184, 'text') as (text: string) => unknown;

/** What node-pg's parser makes of a value, comparable with toEqual (a Date or a number). */
const asPg = (text: string): unknown => pgTimestamptz(text);

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** timestamptz text as a DateStyle ISO, TimeZone UTC session prints it. */
const printed = fc
  .record({
    year: fc.integer({ min: 1, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
  })
  .map(
    (t) =>
      `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)} ${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}` +
      `${t.fraction === undefined ? '' : `.${t.fraction}`}+00`,
  );

describe('parseTimestamptz', () => {
  it('should give the same Date as node-pg for any timestamptz a UTC session prints', () => {
    fc.assert(
      fc.property(printed, (text) => {
        const parsed = parseTimestamptz(text);
        expect(parsed).toBeInstanceOf(Date);
        expect((parsed as Date).getTime()).toBe((asPg(text) as Date).getTime());
        // Years before 100 are node-pg's Dates, which carry no text.
        expect(readIsoString(parsed as Date)).toBe(
          text.startsWith('00') ? undefined : (parsed as Date).toISOString(),
        );
      }),
      { numRuns: 5000 },
    );
  });

  it('should cut every fraction of a second to the milliseconds node-pg keeps', () => {
    for (let places = 1; places <= 6; places++) {
      for (let f = 0; f < 10 ** places; f++) {
        const text = `2025-01-31 09:30:00.${String(f).padStart(places, '0')}+00`;
        const ours = (parseTimestamptz(text) as Date).getTime();
        const pg = (asPg(text) as Date).getTime();
        if (ours !== pg) expect([text, ours]).toEqual([text, pg]);
        const iso = readIsoString(parseTimestamptz(text) as Date);
        if (iso !== new Date(pg).toISOString()) expect([text, iso]).toEqual([text, pg]);
      }
    }
  });

  it.each([
    ['a whole second', '2025-01-31 09:30:00+00', '2025-01-31T09:30:00.000Z'],
    ['milliseconds', '2025-01-31 09:30:00.123+00', '2025-01-31T09:30:00.123Z'],
    [
      'microseconds, cut to milliseconds',
      '2025-01-31 09:30:00.123999+00',
      '2025-01-31T09:30:00.123Z',
    ],
    ['one fraction digit', '2042-08-04 20:12:29.9+00', '2042-08-04T20:12:29.900Z'],
    ['the last instant of 9999', '9999-12-31 23:59:59.999+00', '9999-12-31T23:59:59.999Z'],
  ])('should read %s', (_name, text, iso) => {
    expect((parseTimestamptz(text) as Date).toISOString()).toBe(iso);
  });

  it.each([
    ['infinity', 'infinity'],
    ['-infinity', '-infinity'],
    ['a year before 100', '0099-03-01 00:00:00+00'],
    ['a year after 9999', '10000-01-01 00:00:00+00'],
    ['BC', '0044-03-15 12:00:00+00 BC'],
    ['another offset', '2025-01-31 09:30:00+05:30'],
    ['a negative offset', '2025-01-31 09:30:00-08'],
    ['no offset', '2025-01-31 09:30:00'],
    ['a letter where a digit goes', '2025-0a-31 09:30:00+00'],
    ['a fraction without digits', '2025-01-31 09:30:00.+00'],
  ])('should leave %s to node-pg', (_name, text) => {
    expect(parseTimestamptz(text)).toEqual(asPg(text));
  });

  it('should parse timestamptz by position and leave every other type to node-pg', () => {
    expect(READ_TYPES.getTypeParser(1184, 'text')).toBe(parseTimestamptz);
    expect(READ_TYPES.getTypeParser(1184)).toBe(parseTimestamptz);
    for (const oid of [20, 25, 1009, 1114, 1082, 16]) {
      expect(READ_TYPES.getTypeParser(oid, 'text')).toBe(types.getTypeParser(oid, 'text'));
    }
  });
});
