// RFC 3339 timestamps and full-dates, checked against the calendar (month 13, Feb 30 and a
// missing offset are refused) and converted to epoch milliseconds without Date.parse, whose
// handling of anything but its own ISO subset is implementation-defined.

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const MS_PER_DAY = 86_400_000;

/**
 * Syntactic patterns for JSON Schema consumers: no year 0000, offsets within +-15:59 (what
 * PostgreSQL stores). The calendar and the UTC range (below) are checked in code.
 */
export const RFC3339_DATE_TIME_PATTERN =
  '^(?!0000)\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-](0\\d|1[0-5]):[0-5]\\d)$';
export const FULL_DATE_PATTERN = '^(?!0000)\\d{4}-\\d{2}-\\d{2}$';

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil);
// Date.UTC would read years 0..99 as 1900..1999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function calendarDays(y: string, m: string, d: string): number | undefined {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

/**
 * Epoch milliseconds of an RFC 3339 date-time, or undefined when the text is not one.
 * Fractions beyond milliseconds are truncated. A leap second (":60", allowed by RFC 3339
 * only as the last second of a UTC day) maps to 23:59:59.999Z, since epoch time has none.
 */
export function parseRfc3339DateTime(value: string): number | undefined {
  const m = DATE_TIME.exec(value);
  if (m === null) return undefined;
  const days = calendarDays(m[1], m[2], m[3]);
  if (days === undefined) return undefined;
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHour = Number(m[10]);
    const offsetMinute = Number(m[11]);
    if (offsetHour > 23 || offsetMinute > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHour * 60 + offsetMinute);
  }
  const fractionMs = m[7] === undefined ? 0 : Number((m[7] + '00').slice(0, 3));
  const base =
    days * MS_PER_DAY +
    hour * 3_600_000 +
    minute * 60_000 +
    Math.min(second, 59) * 1000 -
    offsetMinutes * 60_000;
  if (second === 60) {
    // Only the last second of a UTC day can be a leap second.
    if ((((base + 1000) % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY !== 0) return undefined;
    return base + 999;
  }
  return base + fractionMs;
}

export function isRfc3339DateTime(value: string): boolean {
  return parseRfc3339DateTime(value) !== undefined;
}

/** Epoch milliseconds of 00:00:00.000Z on a YYYY-MM-DD calendar date, or undefined. */
export function parseFullDate(value: string): number | undefined {
  const m = FULL_DATE.exec(value);
  if (m === null) return undefined;
  const days = calendarDays(m[1], m[2], m[3]);
  return days === undefined ? undefined : days * MS_PER_DAY;
}

export function isFullDate(value: string): boolean {
  return parseFullDate(value) !== undefined;
}

export function isDateOrDateTime(value: string): boolean {
  return isFullDate(value) || isRfc3339DateTime(value);
}

function describeBadPeriodBound(value: string): Error {
  // The value is a date from an event, never a patient identifier, but keep it short.
  const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
  return new Error(`not an RFC 3339 date-time or YYYY-MM-DD date: ${JSON.stringify(shown)}`);
}

/** Epoch ms at which a period opened by `value` starts: a date starts at 00:00:00.000Z. */
export function periodStart(value: string): number {
  const date = parseFullDate(value);
  if (date !== undefined) return date;
  const dateTime = parseRfc3339DateTime(value);
  if (dateTime === undefined) throw describeBadPeriodBound(value);
  return dateTime;
}

/** Epoch ms at which a period closed by `value` ends: a date ends at 23:59:59.999Z. */
export function periodEnd(value: string): number {
  const date = parseFullDate(value);
  if (date !== undefined) return date + MS_PER_DAY - 1;
  const dateTime = parseRfc3339DateTime(value);
  if (dateTime === undefined) throw describeBadPeriodBound(value);
  return dateTime;
}

// What PostgreSQL's timestamptz takes as input, and what the ledger writes into it: the
// event's own text (years 0001..9999, offsets up to +-15:59:59) and the UTC instant as
// JavaScript prints it (years 0001..9999 too; year 0 and +010000 are refused). A value the
// calendar accepts but the database would refuse must never reach a batch transaction.
const MAX_STORABLE_OFFSET_HOURS = 15;
/** 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z, in epoch ms. */
export const STORABLE_MIN_MS = daysFromCivil(1, 1, 1) * MS_PER_DAY;
export const STORABLE_MAX_MS = daysFromCivil(10_000, 1, 1) * MS_PER_DAY - 1;

function instantProblem(ms: number): string | undefined {
  if (ms < STORABLE_MIN_MS || ms > STORABLE_MAX_MS)
    return 'is outside the storable range 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';
  return undefined;
}

/**
 * Why a valid RFC 3339 date-time cannot be stored (year 0000, an offset beyond +-15:59, an
 * instant outside years 0001..9999 UTC), or undefined when it can (or is not RFC 3339 at
 * all: that is parseRfc3339DateTime's refusal to make).
 */
export function unstorableDateTimeProblem(value: string): string | undefined {
  const m = DATE_TIME.exec(value);
  const ms = parseRfc3339DateTime(value);
  if (m === null || ms === undefined) return undefined;
  if (m[1] === '0000') return 'has year 0000, which PostgreSQL refuses (years start at 0001)';
  if (m[8] === undefined && Number(m[10]) > MAX_STORABLE_OFFSET_HOURS)
    return `has the offset ${m[9]}${m[10]}:${m[11]}, beyond the +-15:59 PostgreSQL stores`;
  return instantProblem(ms);
}

/** As unstorableDateTimeProblem, for a YYYY-MM-DD date (a period bound or a study date). */
export function unstorableDateProblem(value: string): string | undefined {
  const m = FULL_DATE.exec(value);
  const ms = parseFullDate(value);
  if (m === null || ms === undefined) return undefined;
  if (m[1] === '0000') return 'has year 0000, which PostgreSQL refuses (years start at 0001)';
  return instantProblem(ms);
}

/** For a field that takes either form. */
export function unstorableDateOrDateTimeProblem(value: string): string | undefined {
  return isFullDate(value) ? unstorableDateProblem(value) : unstorableDateTimeProblem(value);
}
