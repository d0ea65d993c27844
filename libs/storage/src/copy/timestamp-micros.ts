// The instant PostgreSQL would store for an RFC 3339 text cast to timestamptz, computed
// here so binary COPY can send it. Only the plain cases are answered (the calendar checked,
// at most 6 fraction digits, no leap second, years 1000-9999); for anything else the
// caller lets PostgreSQL parse the text itself, so both paths always store the same value.
// Read by position rather than by a regular expression: it runs once per appended entry.
// The shape accepted is exactly that of
//   /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:[Zz]|[+-]\d{2}:\d{2})$/

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const SCALE = [0, 100_000, 10_000, 1_000, 100, 10, 1];

/** The ASCII digits of text[at, at + count) as a number; -1 when one is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysIn(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1];
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** Microseconds since 1970-01-01 UTC, or undefined when PostgreSQL should parse `text`. */
export function rfc3339Micros(text: string): bigint | undefined {
  const end = text.length;
  if (end < 20) return undefined;
  const separator = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== 0x2d || // -
    text.charCodeAt(7) !== 0x2d ||
    (separator !== 0x54 && separator !== 0x74 && separator !== 0x20) || // T t space
    text.charCodeAt(13) !== 0x3a || // :
    text.charCodeAt(16) !== 0x3a
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) {
    return undefined;
  }
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return undefined;
  }
  let at = 19;
  let fraction = 0;
  if (text.charCodeAt(at) === 0x2e) {
    // .
    const first = ++at;
    while (at < end && at - first < 7 && digitsAt(text, at, 1) >= 0) at++;
    const count = at - first;
    if (count < 1 || count > 6) return undefined;
    fraction = digitsAt(text, first, count) * SCALE[count];
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if (zone === 0x5a || zone === 0x7a) {
    // Z z
    if (at + 1 !== end) return undefined;
  } else if (zone === 0x2b || zone === 0x2d) {
    // + -
    if (at + 6 !== end || text.charCodeAt(at + 3) !== 0x3a) return undefined;
    const offsetHours = digitsAt(text, at + 1, 2);
    const offsetMins = digitsAt(text, at + 4, 2);
    if (offsetHours < 0 || offsetMins < 0 || offsetHours > 15 || offsetMins > 59) return undefined;
    offsetMinutes = (zone === 0x2d ? -1 : 1) * (offsetHours * 60 + offsetMins);
  } else {
    return undefined;
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  return BigInt(ms) * 1000n + BigInt(fraction);
}
