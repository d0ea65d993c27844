// Helpers for the auditor-facing `detail` sentence. Details name consents, agreements,
// vendors, purposes and dates; never a patient (not even the pseudonym).

import type { FindingCode } from './facts';

/** A finding's code and auditor sentence; the event and study fill in the rest. */
export interface FindingIssue {
  code: FindingCode;
  detail: string;
}

/** ECMAScript's Date range. */
const MAX_DATE_MS = 8.64e15;

/** RFC 3339 UTC, as the API shows times. */
export function formatInstant(epochMs: number): string {
  const representable = Number.isFinite(epochMs) && Math.abs(epochMs) <= MAX_DATE_MS;
  return representable ? new Date(epochMs).toISOString() : String(epochMs);
}

/** "a", "a and b", "a, b and c". */
export function formatList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}
