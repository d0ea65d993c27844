import { periodEnd, periodStart, unstorableDateOrDateTimeProblem } from '@scantrail/contract';
import { type PatientIdentifierInput, InvalidArgumentError } from '@scantrail/queries';
import { REPORT_FORMATS, type ReportFormat } from './accounting-report';

// Arguments of a report as a caller types them (HTTP query, CLI options), checked once here
// so both shells refuse the same things with the same words. Messages never repeat a
// patient identifier: they may end up in a log.

/** `pdf` when absent. */
export function parseReportFormat(value: string | undefined): ReportFormat {
  if (value === undefined || value === '') return 'pdf';
  const format = value.toLowerCase();
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    // A word such as "xlsx" is named back; anything else (a patient's identifier typed in
    // the wrong place) only by its length, as a period bound is.
    const given = /^[A-Za-z]{1,8}$/.test(value)
      ? JSON.stringify(value)
      : `${value.length} characters that are not a format`;
    throw new InvalidArgumentError(
      `format must be one of ${REPORT_FORMATS.join(', ')}, got ${given}`,
    );
  }
  return format as ReportFormat;
}

/**
 * A period bound: an RFC 3339 date-time or a YYYY-MM-DD date, which opens at 00:00:00Z
 * (`from`) or closes at 23:59:59.999Z (`to`), as everywhere in CONTRACT.md. Absent: null
 * (the accounting's default period).
 */
export function parsePeriodBound(value: string | undefined, bound: 'from' | 'to'): Date | null {
  if (value === undefined || value === '') return null;
  let ms: number;
  try {
    ms = bound === 'from' ? periodStart(value) : periodEnd(value);
  } catch {
    // Not the value itself: a patient's identifier typed in the wrong place (the canary
    // sweep's `--from MRN-...`) would be printed and answered back.
    throw new InvalidArgumentError(
      `${bound} must be a YYYY-MM-DD date or an RFC 3339 date-time (the ${value.length} characters given are neither)`,
    );
  }
  // The bound becomes a timestamptz parameter: refused here, not as a database error.
  const problem = unstorableDateOrDateTimeProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`${bound} ${problem}`);
  return new Date(ms);
}

function patientPart(value: string | undefined, name: 'system' | 'value'): string {
  if (value === undefined || value.trim() === '') {
    throw new InvalidArgumentError(`patient ${name} is required and must not be empty`);
  }
  return value;
}

/** A patient named by its two parts (HTTP `system` and `value`). */
export function patientFromParts(
  system: string | undefined,
  value: string | undefined,
): PatientIdentifierInput {
  return { system: patientPart(system, 'system'), value: patientPart(value, 'value') };
}

/**
 * A patient named as one `SYSTEM|VALUE` token (FHIR token search style). It splits at the
 * first `|`: a system is a URI without one, a value may hold more.
 */
export function patientFromToken(token: string): PatientIdentifierInput {
  const bar = token.indexOf('|');
  if (bar < 0) throw new InvalidArgumentError('patient must be written SYSTEM|VALUE');
  return patientFromParts(token.slice(0, bar), token.slice(bar + 1));
}
