import type { Finding } from './facts';

/** A UTF-16 unit that may make code-unit order differ from code-point order. */
const HIGH_UNIT = /[\uD800-\uFFFF]/;

/**
 * Code-point order (-1, 0, 1): the same on every machine and locale, unlike localeCompare,
 * and the order of PostgreSQL's `COLLATE "C"` on UTF-8, which the stored lists use (CONTRACT:
 * ties "by code point"). JavaScript's `<` compares UTF-16 code units, which differs where a
 * code point above U+FFFF (a surrogate pair, units D800-DFFF) meets one of U+E000-U+FFFF:
 * `<` puts 😀 (U+1F600) before Ａ (U+FF21). Strings without such units take `<` as it is.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  if (!HIGH_UNIT.test(a) || !HIGH_UNIT.test(b)) return a < b ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) < codePointRank(y) ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

/** A unit's place in code-point order: surrogates after every other unit, the rest as they are. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
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
