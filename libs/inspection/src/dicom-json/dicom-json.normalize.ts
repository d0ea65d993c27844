import type { DicomJsonDataset, DicomJsonElement } from './dicom-json.types';
import { dictionaryEntryOf } from './dicom-json.dictionary';

// The DICOM JSON model as the inspection reads it. What a DICOMweb server sends may bend
// PS3.18 F.2 (a Value that is not an array, a sequence without its vr, a person name as a
// string) and a Part 10 writer may pad with NULs: read as given, a value that names the
// patient walks past a comparison or a walk that expects the well-formed shape. Each data
// set is rewritten once, before any rule looks at it, into the one shape the rules assume.

const TAG_KEY = /^\(?([0-9A-Fa-f]{4}),?([0-9A-Fa-f]{4})\)?$/;
const VR = /^[A-Z]{2}$/;
const PERSON_NAME_GROUPS = ['Alphabetic', 'Ideographic', 'Phonetic'] as const;
/** DICOM pads with spaces (text) or NULs (UI, and some writers everywhere): not the value. */
const PADDING = /[\s\0]/;
/** ISO 2022 escape sequences (ESC, intermediates, final) an EUC decoder leaves in the text. */
// eslint-disable-next-line no-control-regex -- ESC is what the pattern is about
const ISO_2022_ESCAPE = /\u001b[\u0020-\u002f]+[\u0030-\u007e]/g;

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof ArrayBuffer) &&
    !ArrayBuffer.isView(value)
  );
}

/** `GGGGEEEE` upper case, from that or `GGGG,EEEE` / `(GGGG,EEEE)`; undefined if not a tag. */
function tagKeyOf(key: string): string | undefined {
  const match = TAG_KEY.exec(key);
  return match ? `${match[1]}${match[2]}`.toUpperCase() : undefined;
}

function dictionaryVrOf(key: string): string | undefined {
  const vr = dictionaryEntryOf(key)?.vr;
  return typeof vr === 'string' && VR.test(vr) ? vr : undefined;
}

/** Looks like a sequence item: an object keyed by tags (a person name or a digest is not). */
function hasTagKeys(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).some((key) => tagKeyOf(key) !== undefined);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Without escapes and padding. A loop, not /[\s\0]+$/: that backtracks quadratically. */
function unpadded(text: string): string {
  const clean = text.replace(ISO_2022_ESCAPE, '');
  let start = 0;
  let end = clean.length;
  while (start < end && PADDING.test(clean[start])) start += 1;
  while (end > start && PADDING.test(clean[end - 1])) end -= 1;
  return clean.slice(start, end);
}

/** A person name's groups from `A=I=P` or an object; empty groups left out. */
function personName(value: unknown): PlainObject | undefined {
  const groups: PlainObject = {};
  if (typeof value === 'string') {
    value.split('=').forEach((group, index) => {
      const name = PERSON_NAME_GROUPS[index];
      if (name && unpadded(group) !== '') groups[name] = unpadded(group);
    });
  } else if (isPlainObject(value)) {
    for (const name of PERSON_NAME_GROUPS) {
      const group = value[name];
      if (typeof group === 'string' && unpadded(group) !== '') groups[name] = unpadded(group);
    }
  } else {
    return undefined;
  }
  return groups;
}

/** The values of an element that are not items (flattened): strings unpadded, names as groups. */
function plainValues(values: readonly unknown[], vr: string | undefined): unknown[] {
  const out: unknown[] = [];
  for (const value of values) {
    if (vr === 'PN' && (typeof value === 'string' || isPlainObject(value))) {
      const name = personName(value);
      if (name) out.push(name);
    } else if (typeof value === 'string') {
      out.push(unpadded(value));
    } else {
      out.push(value);
    }
  }
  return out;
}

/** Sequence items made by {@link normalizeDataset}: told apart from names and digests. */
const ITEMS = new WeakSet<object>();

/** Whether a value of a normalized element is a sequence item (a data set). */
export function isItem(value: unknown): value is DicomJsonDataset {
  return typeof value === 'object' && value !== null && ITEMS.has(value);
}

const hasNameGroup = (value: unknown): boolean =>
  isPlainObject(value) && PERSON_NAME_GROUPS.some((name) => Object.hasOwn(value, name));

/** What the spellings of one tag in one data set give, gathered before it is read. */
interface GivenElement {
  vrs: string[];
  values: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

/** Every spelling of each tag of `source` (upper and lower case, with or without comma). */
function gather(source: PlainObject): Map<string, GivenElement> {
  const gathered = new Map<string, GivenElement>();
  for (const [rawKey, rawElement] of Object.entries(source)) {
    const key = tagKeyOf(rawKey);
    if (key === undefined || rawElement === undefined || rawElement === null) continue;
    const given: PlainObject = isPlainObject(rawElement) ? rawElement : { Value: rawElement };
    let element = gathered.get(key);
    if (!element) gathered.set(key, (element = { vrs: [], values: [] }));
    if (typeof given.vr === 'string') element.vrs.push(given.vr.toUpperCase());
    // Nested arrays flattened without recursion (a hostile Value may nest deep).
    const pending = [...asArray(given.Value)].reverse();
    while (pending.length > 0) {
      const value = pending.pop();
      if (Array.isArray(value))
        for (let i = value.length - 1; i >= 0; i -= 1) pending.push(value[i]);
      else if (value !== undefined && value !== null) element.values.push(value);
    }
    if (typeof given.InlineBinary === 'string') element.InlineBinary ??= given.InlineBinary;
    if (typeof given.BulkDataURI === 'string') element.BulkDataURI ??= given.BulkDataURI;
  }
  return gathered;
}

/**
 * The data set in the one shape the rules read: keys `GGGGEEEE` upper case, the values of
 * every spelling of a tag together; every element an object with a `vr` (the dictionary's
 * when missing or malformed); `Value` an array; strings without padding; person names as
 * `{Alphabetic, Ideographic, Phonetic}`. Sequence items (see {@link isItem}) are walked
 * whatever the vr said: every object of a sequence (by its vr or the dictionary), and in any
 * element each object keyed by tags, beside its other values, which are kept. Anything that
 * is not an object becomes an empty data set (the instance is still counted, and fails as
 * unmarked). Iterative: a hostile data set may nest thousands deep.
 */
export function normalizeDataset(input: unknown): DicomJsonDataset {
  const root: DicomJsonDataset = {};
  const stack: [source: unknown, target: DicomJsonDataset][] = [[input, root]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [source, target] = next;
    if (!isPlainObject(source)) continue;
    for (const [key, given] of gather(source)) {
      const validVrs = given.vrs.filter((vr) => VR.test(vr));
      // The dictionary only when no valid vr is given: an item with tags is walked anyway.
      const dictionaryVr = validVrs.length === 0 ? dictionaryVrOf(key) : undefined;
      const declaredSequence = validVrs.includes('SQ') || dictionaryVr === 'SQ';
      const valueVr =
        validVrs.find((vr) => vr !== 'SQ') ?? (dictionaryVr !== 'SQ' ? dictionaryVr : undefined);
      const itemSources: unknown[] = [];
      const plain: unknown[] = [];
      for (const value of given.values) {
        const item = isPlainObject(value) && (declaredSequence || hasTagKeys(value));
        if (item) itemSources.push(value);
        // A person name object that also has tag keys is read both ways.
        if (!item || (valueVr === 'PN' && !declaredSequence && hasNameGroup(value))) {
          plain.push(value);
        }
      }
      const sequence = declaredSequence || (itemSources.length > 0 && plain.length === 0);
      const vr = sequence ? 'SQ' : (valueVr ?? 'UN');
      const items = itemSources.map((itemSource) => {
        const normalized: DicomJsonDataset = {};
        ITEMS.add(normalized);
        stack.push([itemSource, normalized]);
        return normalized;
      });
      const element: DicomJsonElement = { vr, Value: [...items, ...plainValues(plain, vr)] };
      if (given.InlineBinary !== undefined) element.InlineBinary = given.InlineBinary;
      if (given.BulkDataURI !== undefined) element.BulkDataURI = given.BulkDataURI;
      target[key] = element;
    }
  }
  return root;
}
