import { parseRfc3339DateTime } from '@scantrail/contract';

/**
 * Orthanc writes times as `YYYYMMDDTHHMMSS[.ffffff]` in UTC (changes' `Date`, jobs'
 * `CompletionTime`). Returns RFC 3339 with millisecond precision, or undefined, also for a
 * time that is not on the calendar (February 31, 24:00, a second 60, year 0): Date.parse
 * rolls those over, while the ingest and PostgreSQL refuse them.
 */
export function orthancTimeToRfc3339(value: string | undefined): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?$/.exec(value ?? '');
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction] = m;
  const millis = (fraction ?? '').padEnd(3, '0').slice(0, 3);
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${millis}Z`;
  return y !== '0000' && s !== '60' && parseRfc3339DateTime(iso) !== undefined ? iso : undefined;
}

/** DICOM DA `YYYYMMDD` (also the old `YYYY.MM.DD`) as `YYYY-MM-DD`, or undefined. */
export function dicomDateToIso(value: string | undefined): string | undefined {
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec((value ?? '').trim());
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(iso) ? iso : undefined;
}
