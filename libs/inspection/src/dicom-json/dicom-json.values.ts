import { createHash } from 'node:crypto';
import { stringOfCodeUnits } from './code-units';
import { isItem } from './dicom-json.normalize';
import type { DicomJsonDataset, DicomJsonElement } from './dicom-json.types';
import { copyLooseKeys, nameGroupLooseKeys, originalLooseKeys } from './loose-spelling';

// Readers of the few attributes the inspection needs. Values read here stay in memory: an
// inspection reports tags, keywords and counts, never a value.

export const TAGS = {
  PATIENT_ID: '00100020',
  ISSUER_OF_PATIENT_ID: '00100021',
  OTHER_PATIENT_IDS_SEQUENCE: '00101002',
  PATIENT_IDENTITY_REMOVED: '00120062',
  DEIDENTIFICATION_METHOD_CODE_SEQUENCE: '00120064',
  CODE_VALUE: '00080100',
  BURNED_IN_ANNOTATION: '00280301',
  MODALITY: '00080060',
  BODY_PART_EXAMINED: '00180015',
  STUDY_DESCRIPTION: '00081030',
  SERIES_DESCRIPTION: '0008103E',
  STUDY_INSTANCE_UID: '0020000D',
  SERIES_INSTANCE_UID: '0020000E',
  SOP_INSTANCE_UID: '00080018',
  PIXEL_DATA: '7FE00010',
} as const;

/**
 * A binary value (OB, OW, UN, ...) as the Part 10 reader keeps it: its length and SHA-256, not
 * its bytes. An inspection only asks whether a binary value is there and whether it equals the
 * original's; the bytes (a private element may hold 64 MiB) would stay in memory with every
 * instance until a run's studies are grouped.
 */
export interface BinaryDigest {
  readonly byteLength: number;
  readonly sha256: string;
  /**
   * A short value of unknown VR (UN: a private attribute of an implicit VR file, whose text the
   * reader cannot tell from bytes) as UTF-8 text, so that a patient's name or ID left in it can
   * still be found (PATIENT_IDENTITY_ELSEWHERE). At most MAX_UN_TEXT_BYTES; never reported.
   */
  readonly text?: string;
}

/** The longest UN value kept as text beside its digest. */
export const MAX_UN_TEXT_BYTES = 4096;

function digestOf(value: unknown, vr: string | undefined): unknown {
  let bytes: Uint8Array | undefined;
  if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
  else if (ArrayBuffer.isView(value)) {
    bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (bytes === undefined) return value;
  // Empty stays empty (no value); a digest is a value.
  if (bytes.byteLength === 0) return new ArrayBuffer(0);
  const digest: BinaryDigest = {
    byteLength: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...(vr === 'UN' && bytes.byteLength <= MAX_UN_TEXT_BYTES
      ? { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') }
      : {}),
  };
  return digest;
}

/**
 * Replaces every binary value of a data set (sequence items included) by its
 * {@link BinaryDigest}, in place: what is compared stays comparable, the bytes are let go.
 */
export function digestBinaryValues(dataset: DicomJsonDataset): void {
  for (const element of Object.values(dataset)) {
    if (!element || !Array.isArray(element.Value)) continue;
    if (element.vr === 'SQ') {
      for (const item of element.Value as unknown[]) {
        if (item !== null && typeof item === 'object') {
          digestBinaryValues(item as DicomJsonDataset);
        }
      }
    } else {
      element.Value = (element.Value as unknown[]).map((value) => digestOf(value, element.vr));
    }
  }
}

export function elementOf(dataset: DicomJsonDataset, tag: string): DicomJsonElement | undefined {
  return dataset[tag] ?? dataset[tag.toLowerCase()];
}

function valuesOf(element: DicomJsonElement | undefined): unknown[] {
  const value = element?.Value;
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function isNonEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (typeof value === 'number' || typeof value === 'boolean') return true;
  if (value instanceof ArrayBuffer) return value.byteLength > 0;
  if (ArrayBuffer.isView(value)) return value.byteLength > 0;
  if (typeof value === 'object') {
    // A person name ({Alphabetic, Ideographic, Phonetic}) with only separators is empty;
    // a sequence item (a dataset) counts when it has any attribute.
    const record = value as Record<string, unknown>;
    if ('Alphabetic' in record || 'Ideographic' in record || 'Phonetic' in record) {
      return ['Alphabetic', 'Ideographic', 'Phonetic'].some(
        (component) =>
          typeof record[component] === 'string' && record[component].replace(/[\^=\s]/g, '') !== '',
      );
    }
    return Object.keys(record).length > 0;
  }
  return false;
}

/** Present with a value: a non-empty value, inline binary or bulk data reference. */
export function hasValue(element: DicomJsonElement | undefined): boolean {
  if (!element) return false;
  if (element.InlineBinary || element.BulkDataURI) return true;
  if (typeof element.Value === 'string') return element.Value.trim() !== '';
  return valuesOf(element).some(isNonEmptyValue);
}

export function stringValues(dataset: DicomJsonDataset, tag: string): string[] {
  return valuesOf(elementOf(dataset, tag))
    .map((value) => {
      if (typeof value === 'string') return value.trim();
      if (typeof value === 'number') return String(value);
      if (value && typeof value === 'object' && 'Alphabetic' in value) {
        const alphabetic = (value as { Alphabetic?: unknown }).Alphabetic;
        return typeof alphabetic === 'string' ? alphabetic.trim() : '';
      }
      return '';
    })
    .filter((value) => value !== '');
}

export function firstString(dataset: DicomJsonDataset, tag: string): string | undefined {
  return stringValues(dataset, tag)[0];
}

/** The items of an element of a normalized data set (of a sequence, or beside other values). */
export function itemsOf(element: DicomJsonElement | undefined): DicomJsonDataset[] {
  return valuesOf(element).filter(isItem);
}

export function sequenceItems(dataset: DicomJsonDataset, tag: string): DicomJsonDataset[] {
  return itemsOf(elementOf(dataset, tag));
}

// What a reader cannot tell apart is compared as one. Each code point is read by its Unicode
// properties, once: drawn as nothing (Default_Ignorable_Code_Point: zero-width spaces and
// joiners, soft hyphen, bidi marks, embeddings and isolates, U+FEFF, variation selectors,
// Hangul fillers, tags), white space (White_Space: \s misses U+0085) or NUL, a decimal digit
// of another script than 0-9 (Arabic-Indic, Devanagari, Thai, ...), a hyphen, dash or minus.
const INVISIBLE = /^\p{Default_Ignorable_Code_Point}$/u;
const SPACE = /^[\p{White_Space}\0]$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;
const DASH = /^\p{Dash}$/u;
const KEPT = 1;
const DROPPED = 2;
const BLANK = 3;
const OTHER_DIGIT = 4;
const OTHER_DASH = 5;
/** Each code point's kind, read the first time it is met (0: not yet). */
const kinds = new Uint8Array(0x110000);
const digitValues = new Map<number, number>();

function kindOf(codePoint: number): number {
  let kind = kinds[codePoint];
  if (kind === 0) {
    const character = String.fromCodePoint(codePoint);
    if (INVISIBLE.test(character)) kind = DROPPED;
    else if (SPACE.test(character)) kind = BLANK;
    else if (codePoint > 0x7f && DECIMAL_DIGIT.test(character)) kind = OTHER_DIGIT;
    else if (codePoint !== 0x2d && DASH.test(character)) kind = OTHER_DASH;
    else kind = KEPT;
    kinds[codePoint] = kind;
  }
  return kind;
}

/**
 * A decimal digit's value. Unicode encodes each script's digits in rows of ten from zero, and
 * never a row short (a stability policy): it is the distance from the first digit of a run of
 * rows, modulo 10. Read once per digit (under a thousand).
 */
function digitValue(codePoint: number): number {
  let value = digitValues.get(codePoint);
  if (value === undefined) {
    let zero = codePoint;
    while (DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero -= 1;
    value = (codePoint - zero) % 10;
    digitValues.set(codePoint, value);
  }
  return value;
}

/**
 * Invisible characters dropped, digits as 0-9, dashes as '-', white space runs as one space,
 * unpadded. One pass into code units (never more than the text's), not a regular expression
 * per kind: a value may hold megabytes of them.
 */
function folded(text: string): string {
  let units: Uint16Array | undefined; // made at the first change
  let length = 0;
  let from = 0; // the text before is in units
  let blank = true; // after a space or at the start: a space here is dropped
  for (let at = 0; at < text.length;) {
    const codePoint = text.codePointAt(at) ?? 0;
    const next = at + (codePoint > 0xffff ? 2 : 1);
    const kind = kindOf(codePoint);
    if (kind === KEPT || (kind === BLANK && !blank && codePoint === 0x20)) {
      blank = kind === BLANK;
      at = next;
      continue;
    }
    units ??= new Uint16Array(text.length);
    for (let copied = from; copied < at; copied += 1) units[length++] = text.charCodeAt(copied);
    if (kind === BLANK) {
      if (!blank) units[length++] = 0x20;
      blank = true;
    } else if (kind !== DROPPED) {
      units[length++] = kind === OTHER_DIGIT ? 0x30 + digitValue(codePoint) : 0x2d;
      blank = false;
    }
    from = at = next;
  }
  if (units === undefined) return text.endsWith(' ') ? text.slice(0, -1) : text;
  for (let copied = from; copied < text.length; copied += 1)
    units[length++] = text.charCodeAt(copied);
  if (length > 0 && units[length - 1] === 0x20) length -= 1;
  return stringOfCodeUnits(units.subarray(0, length));
}

/**
 * Text as compared: compatibility forms folded (NFKC: full-width letters, NFD accents), then
 * {@link folded}, upper case, composed again (upper case may decompose: ΐ becomes Ι and two
 * marks). İ (I + U+0307) is read as I: upper case folds the Turkish ı and i into I already,
 * and lower-cased İ (i + U+0307, or i under the Turkish locale) must still be the name.
 */
export function comparableText(text: string): string {
  // Most values are ASCII, where the only folding is of white space and NUL (no ASCII
  // character is invisible, another script's digit or a dash other than '-'): the same
  // answer as comparableTextFolded (a unit test holds them equal), at a third of its cost.
  if (ASCII.test(text)) return text.replace(ASCII_BLANKS, ' ').trim().toUpperCase();
  return comparableTextFolded(text);
}

/** comparableText without its ASCII shortcut. */
export function comparableTextFolded(text: string): string {
  return folded(text.normalize('NFKC'))
    .toUpperCase()
    .normalize('NFD')
    .replace(/I\u0307+/g, 'I')
    .normalize('NFKC');
}
const ASCII_BLANKS = /[\s\0]+/g;
// eslint-disable-next-line no-control-regex -- every ASCII character, controls included
const ASCII = /^[\u0000-\u007f]*$/;

/** A person name group as compared: components unpadded, empty trailing components dropped. */
export function comparableNameGroup(group: string): string {
  const components = group.split('^').map(comparableText);
  // Popped, not /\^+$/: that backtracks quadratically over a long run of carets.
  while (components.length > 0 && components[components.length - 1] === '') components.pop();
  return components.join('^');
}

/**
 * Text as a reader reads it, in its own letter case: compatibility forms folded (NFKC:
 * full-width letters and digits), invisible characters dropped, other digits and dashes and
 * white space as comparableText folds them. ASCII text is left as it is.
 */
export function readableText(text: string): string {
  return ASCII.test(text) ? text : folded(text.normalize('NFKC'));
}

/**
 * Which side of a loose comparison a value is on (loose-spelling.ts): the original's value is
 * folded more ways than the copy's. Loose forms start with '~', never an exact form's start.
 */
export type LooseSide = 'original' | 'copy';

function comparableFormsOf(value: unknown, loose: LooseSide | undefined): string[] {
  if (isItem(value)) return []; // its attributes are compared, each with its own tag
  if (typeof value === 'string') {
    const text = comparableText(value);
    if (loose === undefined || text === '') return [text];
    const keys = loose === 'original' ? originalLooseKeys(text) : copyLooseKeys(text);
    return [text, ...keys.map((key) => `~${key}`)];
  }
  if (typeof value === 'number' || typeof value === 'bigint') return [String(value)];
  if (value instanceof ArrayBuffer) {
    return value.byteLength > 0 ? [`b64:${Buffer.from(value).toString('base64')}`] : [];
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('Alphabetic' in record || 'Ideographic' in record || 'Phonetic' in record) {
      return ['Alphabetic', 'Ideographic', 'Phonetic'].flatMap((group) => {
        const text = typeof record[group] === 'string' ? comparableNameGroup(record[group]) : '';
        if (loose === undefined || text === '') return [text];
        return [text, ...nameGroupLooseKeys(text, loose).map((key) => `~${key}`)];
      });
    }
    return [JSON.stringify(value)];
  }
  return [];
}

/**
 * The comparable forms of an element's values, one per value (and per person name group): a
 * copy keeps an original value when one of its forms is one of the original's, whatever else
 * the element holds. Bulk data by reference cannot be compared and gives none. With `loose`,
 * each text (a person's name or ID) also gives its loose forms (loose-spelling.ts) as that
 * side of the comparison folds them.
 */
export function comparableValues(
  element: DicomJsonElement | undefined,
  loose?: LooseSide,
): string[] {
  if (!element || !hasValue(element)) return [];
  const forms = valuesOf(element).flatMap((value) => comparableFormsOf(value, loose));
  if (element.InlineBinary) forms.push(`b64:${element.InlineBinary}`);
  return forms.filter((form) => form !== '');
}

/** `GGGGEEEE` as the contract writes a tag: `GGGG,EEEE`. */
export function formatTag(key: string): string {
  const upper = key.toUpperCase();
  return `${upper.slice(0, 4)},${upper.slice(4, 8)}`;
}

/**
 * Every attribute of a data set, at any depth: the items of an element are walked when
 * `descend` says so. An explicit stack, not recursion: a hostile file may nest sequences
 * thousands deep, and the inspection must still answer.
 */
export function* nestedAttributes(
  dataset: DicomJsonDataset,
  descend: (key: string, element: DicomJsonElement) => boolean,
): Generator<[key: string, element: DicomJsonElement]> {
  const stack: DicomJsonDataset[] = [dataset];
  for (let holder = stack.pop(); holder !== undefined; holder = stack.pop()) {
    for (const [key, element] of Object.entries(holder)) {
      if (!element) continue;
      yield [key, element];
      const items = itemsOf(element);
      if (items.length > 0 && descend(key, element)) for (const item of items) stack.push(item);
    }
  }
}
