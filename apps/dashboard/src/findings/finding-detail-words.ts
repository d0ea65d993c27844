// A finding's `detail` as the API writes it ("... in force on 2024-12-10T16:07:23.423Z
// permitting AI_TRAINING ...") in the words a privacy officer reads: instants as the
// dashboard writes times, purposes, legal bases and inspection issue codes in words. Each
// piece keeps what was recorded, for a title. The sentence itself is the API's; only these
// tokens are rewritten, and a token the dashboard does not know stays as it is.
import { legalBasisWords, purposeWords } from '../components/disclosure-terms';
import { formatTime } from '../components/format';
import { h } from '../dom/dom-builder';
import { issueLabel } from '../inspection/inspection-issue-codes';

export type DetailPart =
  | { kind: 'text'; text: string }
  /** `words` for the recorded `code` (a purpose, a legal basis, an issue code). */
  | { kind: 'term'; text: string; code: string }
  /** `text` as the dashboard writes times, `iso` as recorded. */
  | { kind: 'time'; text: string; iso: string };

// RFC 3339 instants as the compliance rules write them (toISOString), and upper-case codes
// standing as words: not a part of an id ("agr-RESEARCH-1", "urn:x:AI_TRAINING").
const TOKENS =
  /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)|(?<![\w./:-])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)(?![\w/-]|[.:]\w)/g;

/** The words of a code found in a detail, or undefined when it is not a known term. */
function wordsOf(code: string): string | undefined {
  for (const words of [purposeWords, legalBasisWords, issueLabel]) {
    const said = words(code);
    if (said !== code) return said;
  }
  return undefined;
}

/** The detail cut into text, terms in words and times. */
export function detailParts(detail: string): DetailPart[] {
  const parts: DetailPart[] = [];
  let text = '';
  let last = 0;
  for (const match of detail.matchAll(TOKENS)) {
    const [token, iso, code] = match;
    const index = match.index ?? 0;
    const time = iso === undefined ? undefined : formatTime(iso);
    const words = code === undefined ? undefined : wordsOf(code);
    if (time === iso && words === undefined) continue;
    text += detail.slice(last, index);
    if (text) parts.push({ kind: 'text', text });
    text = '';
    parts.push(
      iso !== undefined && time !== undefined
        ? { kind: 'time', text: time, iso }
        : { kind: 'term', text: words ?? token, code: token },
    );
    last = index + token.length;
  }
  text += detail.slice(last);
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/** The detail as plain text in words (what the table cell reads). */
export const detailInWords = (detail: string): string =>
  detailParts(detail)
    .map((p) => p.text)
    .join('');

/** The detail as the table shows it: times in `time` elements, terms with their code in a title. */
export function findingDetail(detail: string): HTMLElement {
  return h(
    'span',
    {},
    ...detailParts(detail).map((part) => {
      if (part.kind === 'time') {
        return h('time', { datetime: part.iso, title: part.iso }, part.text);
      }
      return part.kind === 'term' ? h('span', { title: part.code }, part.text) : part.text;
    }),
  );
}
