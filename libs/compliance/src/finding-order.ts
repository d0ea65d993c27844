import type { Finding } from './facts';

/** Code-unit order: the same on every machine and locale, unlike localeCompare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * By (ledgerSequence, studyInstanceUid, code) as the contract lists them; the remaining
 * fields only break ties between malformed inputs, so that the order is total and the
 * result never depends on the order of the input arrays.
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    a.ledgerSequence - b.ledgerSequence ||
    compareStrings(a.studyInstanceUid, b.studyInstanceUid) ||
    compareStrings(a.code, b.code) ||
    compareStrings(a.eventId, b.eventId) ||
    compareStrings(a.vendorId, b.vendorId) ||
    a.occurredAt - b.occurredAt ||
    compareStrings(a.detail, b.detail)
  );
}
