// Finding a patient's identifier where a producer repeated it in free text, for the
// pseudonymization of events (patient-pseudonym.ts). Everything here is linear in the
// text and the identifier: events are untrusted input of up to a megabyte, and a slow or
// throwing search would hold the ingest (and, retried, stall a partition).

/**
 * The most characters a free-text field may have once redacted: a ledger entry frames at
 * most 65,535 bytes of leaf data (CONTRACT section 4), so a field past this could never be
 * recorded, and building it further would only take memory.
 */
export const MAX_REDACTED_CHARS = 65_535;

/** Redacting a field would make it longer than MAX_REDACTED_CHARS (the entry is too large). */
export class RedactedTextTooLarge extends Error {
  constructor() {
    super(`the redacted free text would pass ${MAX_REDACTED_CHARS} characters`);
    this.name = 'RedactedTextTooLarge';
  }
}

/** Shorter values are matched as whole tokens only (a lone "7" inside "CT 7 mm" is not). */
const SUBSTRING_MIN = 4;

const WORD_CHARACTER = /^[\p{L}\p{N}]$/u;
const FINAL_SIGMA = /[Σς]/u;

/**
 * `text` in lower case, one UTF-16 unit for one, without context: a character whose lower
 * case is longer (U+0130 becomes two units) stays as it is, so positions in it are
 * positions in `text`, and the final sigma is folded like any other sigma (toLowerCase
 * writes a capital sigma at the end of a word as ς, elsewhere as σ).
 */
export function foldedCase(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length && !FINAL_SIGMA.test(text)) return lower;
  let folded = '';
  for (const c of text) {
    const l = c === 'ς' ? 'σ' : c.toLowerCase();
    folded += l.length === c.length ? l : c;
  }
  return folded;
}

/** Whether two texts are the same identifier: alike once composed (NFC), trimmed and folded. */
export function sameIdentifier(a: string, b: string): boolean {
  return foldedCase(a.normalize('NFC').trim()) === foldedCase(b.normalize('NFC').trim());
}

/** Whether the character at `at` of `text` is a letter or digit (false outside it). */
function wordAt(text: string, at: number): boolean {
  return at >= 0 && at < text.length && WORD_CHARACTER.test(text[at]);
}

/**
 * Where `needle` starts in `haystack`, every occurrence left to right (overlapping ones
 * too), by Knuth-Morris-Pratt: O(haystack + needle) whatever their shape, where V8's
 * indexOf can take haystack x needle on a needle built to defeat it.
 */
function* occurrences(haystack: string, needle: string): Generator<number> {
  const m = needle.length;
  if (m === 0) return;
  const border = new Int32Array(m);
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && needle.charCodeAt(i) !== needle.charCodeAt(k)) k = border[k - 1];
    if (needle.charCodeAt(i) === needle.charCodeAt(k)) k++;
    border[i] = k;
  }
  for (let i = 0, k = 0; i < haystack.length; i++) {
    while (k > 0 && haystack.charCodeAt(i) !== needle.charCodeAt(k)) k = border[k - 1];
    if (haystack.charCodeAt(i) === needle.charCodeAt(k)) k++;
    if (k === m) {
      yield i - m + 1;
      k = border[k - 1];
    }
  }
}

/**
 * How an identifier is looked for: in free text (`'text'`) anywhere, a value shorter than
 * four characters only as a whole token; in an id or subject that a system built
 * (`'token'`, "consent-MRN-004211-2", "Patient/MRN-004211") only as a whole token between
 * characters that are not letters or digits, and only from four characters on (a value of
 * three is found by equality alone, so "evt-12" keeps its id when patient "12" is named).
 */
export type MentionRule = 'text' | 'token';

/**
 * `text` with every occurrence of `value` replaced by what `replacement` gives, or `text`
 * itself when there is none. Both are compared composed (NFC) and case-folded, as `rule`
 * says (MentionRule). The result of a replacement is the composed text. Throws
 * RedactedTextTooLarge rather than build a field no entry can hold.
 */
export function replaceMentions(
  text: string,
  value: string,
  replacement: () => string,
  rule: MentionRule = 'text',
): string {
  const composed = text.normalize('NFC');
  const wanted = value.normalize('NFC').trim();
  if (rule === 'token' && wanted.length < SUBSTRING_MIN) return text;
  const haystack = foldedCase(composed);
  const needle = foldedCase(wanted);
  const whole = rule === 'token' || wanted.length < SUBSTRING_MIN;
  let out = '';
  let from = 0;
  for (const at of occurrences(haystack, needle)) {
    if (at < from) continue;
    if (whole && (wordAt(composed, at - 1) || wordAt(composed, at + needle.length))) continue;
    out += composed.slice(from, at) + replacement();
    if (out.length > MAX_REDACTED_CHARS) throw new RedactedTextTooLarge();
    from = at + needle.length;
  }
  return from === 0 ? text : out + composed.slice(from);
}
