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
  | { kind: 'time'; text: string; iso: string }
  /** A vendor the detail names by its `id`, in `text` by the name the page knows it by. */
  | { kind: 'vendor'; text: string; id: string }
  /** An agreement's id ("agreement agr-1 expired", "its agreements (agr-1, agr-2)"). */
  | { kind: 'agreement'; text: string };

/** The name a page knows a vendor by; undefined when it knows none (the id then stays). */
export type VendorNames = (vendorId: string) => string | undefined;

const noNames: VendorNames = () => undefined;

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

// What stands around an id in a sentence: spaces, brackets, commas, semicolons, and a
// full stop or colon that ends the id ("... for vnd-x.", "agreements (agr-1, agr-2)").
const AROUND_ID = /([\s(),;]+|[.:](?=[\s(),;]|$))/;

// Where the rules put agreement ids: "agreement <id>" (not "no agreement in force"), "its
// agreements (<id>, <id>)".
const BEFORE_AGREEMENT = /(?:(?<!\bno )\bagreement |\bagreements \((?:[^()]*, )?)$/;

/** A text part with the vendors `vendorName` knows and the agreements cut out. */
function withVendors(text: string, vendorName: VendorNames): DetailPart[] {
  const parts: DetailPart[] = [];
  let plain = '';
  let said = '';
  // Odd pieces are what stands between ids; even ones are ids or words.
  text.split(AROUND_ID).forEach((piece, i) => {
    const before = said;
    said += piece;
    const id = i % 2 === 0 && piece !== '';
    const name = id ? vendorName(piece) : undefined;
    const agreement = id && BEFORE_AGREEMENT.test(before);
    if ((name === undefined || name === '' || name === piece) && !agreement) {
      plain += piece;
      return;
    }
    if (plain) parts.push({ kind: 'text', text: plain });
    plain = '';
    parts.push(
      agreement
        ? { kind: 'agreement', text: piece }
        : { kind: 'vendor', text: name ?? piece, id: piece },
    );
  });
  if (plain) parts.push({ kind: 'text', text: plain });
  return parts;
}

/**
 * The detail cut into text, terms in words, times and vendors by name (`vendorName`: the
 * names the page knows; a vendor it does not know stays as its id).
 */
export function detailParts(detail: string, vendorName: VendorNames = noNames): DetailPart[] {
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
    parts.push(...withVendors(text, vendorName));
    text = '';
    parts.push(
      iso !== undefined && time !== undefined
        ? { kind: 'time', text: time, iso }
        : { kind: 'term', text: words ?? token, code: token },
    );
    last = index + token.length;
  }
  text += detail.slice(last);
  parts.push(...withVendors(text, vendorName));
  return parts;
}

/** The detail as plain text in words (what the table cell reads). */
export const detailInWords = (detail: string, vendorName: VendorNames = noNames): string =>
  detailParts(detail, vendorName)
    .map((p) => p.text)
    .join('');

/** The most characters of a vendor's name a detail shows (names come from events, unbounded). */
const NAME_CHARS = 80;

/** `text` cut to `max` characters (code points) with an ellipsis. */
function atMost(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * The detail as the table shows it: times in `time` elements, terms with their code in a
 * title, vendors by name (the id in the title and `data-vendor-id`), agreement ids as ids.
 */
export function findingDetail(detail: string, vendorName: VendorNames = noNames): HTMLElement {
  return h(
    'span',
    {},
    ...detailParts(detail, vendorName).map((part) => {
      switch (part.kind) {
        case 'time':
          return h('time', { datetime: part.iso, title: part.iso }, part.text);
        case 'term':
          return h('span', { title: part.code }, part.text);
        case 'vendor':
          // Isolated (a name may hold a bidi control), wrapped with the sentence, and at
          // most NAME_CHARS characters: whole, with the id, in the title.
          return h(
            'span',
            {
              class: 'detail-vendor',
              title: `${part.text} (${part.id})`,
              'data-vendor-id': part.id,
            },
            atMost(part.text, NAME_CHARS),
          );
        case 'agreement':
          return h('span', { class: 'mono detail-agreement' }, part.text);
        case 'text':
          return part.text;
      }
    }),
  );
}
