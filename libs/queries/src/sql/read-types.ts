import { types } from 'pg';

/** PostgreSQL's OID of `timestamptz`. */
const TIMESTAMPTZ = 1184;

const pgTimestamptz = types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => unknown;

const ZERO = 48;

/** The number of the decimal digits of `text` in [from, to), or -1 if one is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * A `timestamptz` as our sessions print it (DateStyle ISO, TimeZone UTC: always
 * `YYYY-MM-DD HH:MM:SS[.ffffff]+00`), read by position into the same Date as node-pg's
 * parser (postgres-date), which runs three regular expressions per value: about a fifth of
 * the row parsing of a findings page. Anything else (another offset, years before 100 or
 * after 9999, BC, infinity) goes to node-pg's parser.
 */
export function parseTimestamptz(text: string): unknown {
  const n = text.length;
  if (
    n < 22 ||
    n > 29 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 || // space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(n - 3) !== 43 || // +
    text.charCodeAt(n - 2) !== ZERO ||
    text.charCodeAt(n - 1) !== ZERO
  ) {
    return pgTimestamptz(text);
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  let ms = 0;
  if (n > 22) {
    // `.f` to `.ffffff`, cut to milliseconds: postgres-date's 1000 * parseFloat(fraction),
    // truncated by Date.UTC, gives the same for every one of them (the spec tries all).
    const fraction = text.charCodeAt(19) === 46 && n >= 24 ? digits(text, 20, n - 3) : -1;
    if (fraction < 0) return pgTimestamptz(text);
    const places = n - 23;
    ms = places >= 3 ? Math.floor(fraction / 10 ** (places - 3)) : fraction * 10 ** (3 - places);
  }
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
    return pgTimestamptz(text);
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms)) as ReadDate;
  // toISOString's text, from the digits read: the API serves every timestamp it reads.
  date[READ_AT] = date.getTime();
  date[READ_ISO] =
    `${text.slice(0, 10)}T${text.slice(11, 19)}.${n > 22 ? `${text.slice(20, n - 3)}00`.slice(0, 3) : '000'}Z`;
  return date;
}

const READ_AT = Symbol('readAt');
const READ_ISO = Symbol('readIso');

/** A Date parseTimestamptz made: the instant it was read as, and its toISOString text. */
interface ReadDate extends Date {
  [READ_AT]?: number;
  [READ_ISO]?: string;
}

/**
 * `date.toISOString()` when parseTimestamptz made `date` and it still holds the instant it
 * was read as (a Date changed since gets undefined): the text from the digits PostgreSQL
 * printed, without formatting the instant again.
 */
export function readIsoString(date: Date): string | undefined {
  const read = date as ReadDate;
  return read[READ_AT] === date.getTime() ? read[READ_ISO] : undefined;
}

/**
 * The type parsers of the read statements (node-pg's `types` per query): node-pg's own,
 * but `timestamptz` by parseTimestamptz.
 */
export const READ_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === TIMESTAMPTZ && (format === undefined || format === 'text')) return parseTimestamptz;
    return types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  },
};
