import type { DicomJsonDataset, DicomJsonElement } from './dicom-json.types';
import { dictionaryEntryOf } from './dicom-json.values';

// The DICOM JSON model as the inspection reads it. What a DICOMweb server sends may bend
// PS3.18 F.2 (a Value that is not an array, a sequence without its vr, a person name as a
// string) and a Part 10 writer may pad with NULs: read as given, a value that names the
// patient walks past a comparison or a walk that expects the well-formed shape. Each data
// set is rewritten once, before any rule looks at it, into the one shape the rules assume.

const TAG_KEY = /^\(?([0-9A-Fa-f]{4}),?([0-9A-Fa-f]{4})\)?$/;
const VR = /^[A-Z]{2}$/;
const PERSON_NAME_GROUPS = ['Alphabetic', 'Ideographic', 'Phonetic'] as const;
/** DICOM pads with spaces (text) or NULs (UI, and some writers everywhere): not the value. */
const PADDING = /^[\s\0]+|[\s\0]+$/g;
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

const unpadded = (text: string): string => text.replace(ISO_2022_ESCAPE, '').replace(PADDING, '');

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

/** The values of a non-sequence element: arrays flattened, strings unpadded, names as groups. */
function plainValues(values: unknown[], vr: string | undefined): unknown[] {
  const out: unknown[] = [];
  const pending = [...values].reverse();
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i -= 1) pending.push(value[i]);
    } else if (vr === 'PN' && (typeof value === 'string' || isPlainObject(value))) {
      const name = personName(value);
      if (name) out.push(name);
    } else if (typeof value === 'string') {
      out.push(unpadded(value));
    } else if (value !== undefined && value !== null) {
      out.push(value);
    }
  }
  return out;
}

/**
 * The data set in the one shape the rules read: keys `GGGGEEEE` upper case; every element an
 * object with a `vr` (the dictionary's when missing or malformed); `Value` an array; a
 * sequence's items walked whatever its vr said; strings without padding; person names as
 * `{Alphabetic, Ideographic, Phonetic}`. Anything that is not an object becomes an empty data
 * set (the instance is still counted, and fails as unmarked). Iterative: a hostile data set
 * may nest thousands deep.
 */
export function normalizeDataset(input: unknown): DicomJsonDataset {
  const root: DicomJsonDataset = {};
  const stack: [source: unknown, target: DicomJsonDataset][] = [[input, root]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [source, target] = next;
    if (!isPlainObject(source)) continue;
    for (const [rawKey, rawElement] of Object.entries(source)) {
      const key = tagKeyOf(rawKey);
      if (key === undefined || rawElement === undefined || rawElement === null) continue;
      const given: PlainObject = isPlainObject(rawElement) ? rawElement : { Value: rawElement };
      const givenVr = typeof given.vr === 'string' ? given.vr.toUpperCase() : undefined;
      const values = asArray(given.Value);
      const sequence =
        givenVr === 'SQ' ||
        (!(givenVr && VR.test(givenVr)) && dictionaryVrOf(key) === 'SQ') ||
        values.some(hasTagKeys);
      const vr = sequence
        ? 'SQ'
        : givenVr && VR.test(givenVr)
          ? givenVr
          : (dictionaryVrOf(key) ?? 'UN');
      const element: DicomJsonElement = { vr };
      if (sequence) {
        const items = values.filter(isPlainObject).map((item) => {
          const normalized: DicomJsonDataset = {};
          stack.push([item, normalized]);
          return normalized;
        });
        element.Value = items;
      } else {
        element.Value = plainValues(values, vr);
        if (typeof given.InlineBinary === 'string') element.InlineBinary = given.InlineBinary;
        if (typeof given.BulkDataURI === 'string') element.BulkDataURI = given.BulkDataURI;
      }
      // Two spellings of one tag (upper and lower case): the one with more to report wins.
      const existing = target[key];
      if (!existing || (existing.Value as unknown[]).length < (element.Value as unknown[]).length) {
        target[key] = element;
      }
    }
  }
  return root;
}
