import { isPrivateTag } from '../basic-profile/basic-profile';
import type { DicomJsonDataset, DicomJsonElement } from '../dicom-json/dicom-json.types';
import {
  comparableNameGroup,
  comparableText,
  comparableValues,
  itemsOf,
  nestedAttributes,
  type LooseSide,
} from '../dicom-json/dicom-json.values';
import { copyLooseKeys, originalLooseKeys, romanized } from '../dicom-json/loose-spelling';

// PATIENT_IDENTITY_ELSEWHERE, a code of this inspector's own (CONTRACT section 1 lets an
// inspector add codes). The contract's codes look at attributes by tag: an attribute the
// profile removes that is still there, or one that holds the original's value in the same
// tag. A de-identifier (or a person) that moves the patient's name or ID into another place
// passes both: a private attribute under "Retain Safe Private" (113111), a description
// ("CT head, DOE^JOHN"), an item of a private sequence, Referring Physician's Name. With the
// original at hand, its patient's names and IDs are looked for in every text of the copy.

/** Where the original names its patient: PN attributes (names) and IDs. */
const NAME_TAGS = new Set([
  '00100010', // Patient's Name
  '00101001', // Other Patient Names
  '00101005', // Patient's Birth Name
]);
const ID_TAGS = new Set([
  '00100020', // Patient ID (also in each item of Other Patient IDs Sequence)
  '00101000', // Other Patient IDs (retired)
  '00101090', // Medical Record Locator
]);

/**
 * Whether a tag's values are compared loosely as well (loose-spelling.ts): a person's name
 * (PN) or one of the patient's IDs. Other values (dates, codes, descriptions) are compared
 * exactly.
 */
export function comparesLoosely(tag: string, vr: string | undefined): boolean {
  return vr?.toUpperCase() === 'PN' || NAME_TAGS.has(tag) || ID_TAGS.has(tag);
}

/** The side of a loose comparison for a tag, or none (see comparesLoosely). */
export function looseSideOf(
  tag: string,
  vr: string | undefined,
  side: LooseSide,
): LooseSide | undefined {
  return comparesLoosely(tag, vr) ? side : undefined;
}

/** An ID shorter than this ("12", "A1") is found by chance in any text; not looked for. */
export const MIN_ID_LENGTH = 4;
/** A name component shorter than this is not enough to tell a name from other text. */
const MIN_NAME_COMPONENT_LENGTH = 2;

/**
 * Value representations that hold no text a person wrote: dates, times, numbers, UIDs,
 * binary. A UID made of digits may hold a numeric ID by chance; the profile replaces UIDs
 * anyway (U), and ORIGINAL_VALUE_RETAINED finds one kept.
 */
const NOT_TEXT = new Set([
  'DA',
  'DT',
  'TM',
  'IS',
  'DS',
  'UI',
  'US',
  'UL',
  'SS',
  'SL',
  'SV',
  'UV',
  'FL',
  'FD',
  'AT',
  'OB',
  'OW',
  'OF',
  'OD',
  'OL',
  'OV',
  'SQ',
]);

/** One form of the original's patient name or ID, as compared (NFKC, upper case). */
export interface IdentityNeedle {
  /** The original's tag it came from (`GGGGEEEE`). */
  readonly tag: string;
  readonly text: string;
  /**
   * The original value it is a form of, as ORIGINAL_VALUE_RETAINED compares it: its exact
   * form, and its loose forms ('~' and a key, loose-spelling.ts).
   */
  readonly originals: readonly string[];
  /** A loose key (loose-spelling.ts), looked for in the loose keys of the copy's texts. */
  readonly loose: boolean;
}

/** Every attribute at any depth, private sequences included (nestedAttributes: iterative). */
const everyAttribute = (dataset: DicomJsonDataset) => nestedAttributes(dataset, () => true);

function valuesOf(element: DicomJsonElement): unknown[] {
  return Array.isArray(element.Value) ? (element.Value as unknown[]) : [];
}

/** The name groups (Alphabetic, Ideographic, Phonetic) of a normalized PN value. */
function nameGroups(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  return ['Alphabetic', 'Ideographic', 'Phonetic']
    .map((group) => record[group])
    .filter((group): group is string => typeof group === 'string');
}

/**
 * The ways a text may write one name group `Family^Given^Middle`: as DICOM writes it, and as a
 * person does ("John Doe", "Doe, John", "John Q Doe"). A group without both a family and a
 * given name of two characters or more is not looked for: one word is found by chance.
 */
function nameForms(group: string): string[] {
  const [family = '', given = '', middle = ''] = group.split('^').map(comparableText);
  if (family.length < MIN_NAME_COMPONENT_LENGTH || given.length < MIN_NAME_COMPONENT_LENGTH) {
    return [];
  }
  const forms = [
    comparableNameGroup(group),
    `${family}^${given}`,
    `${family} ${given}`,
    `${given} ${family}`,
    `${family}, ${given}`,
    `${family},${given}`,
  ];
  if (middle !== '') forms.push(`${given} ${middle} ${family}`, `${family} ${given} ${middle}`);
  return forms;
}

/** The original's patient names and IDs in the forms looked for in a copy. */
export function identityNeedles(originals: readonly DicomJsonDataset[]): IdentityNeedle[] {
  const needles = new Map<string, IdentityNeedle>();
  const add1 = (tag: string, text: string, loose: boolean, originalForms: readonly string[]) => {
    const key = JSON.stringify([tag, text, loose, originalForms]);
    if (!needles.has(key)) needles.set(key, { tag, text, originals: originalForms, loose });
  };
  /** A form exactly, and its loose keys. */
  const add = (tag: string, text: string, originalForms: readonly string[]) => {
    add1(tag, text, false, originalForms);
    for (const key of originalLooseKeys(text)) add1(tag, key, true, originalForms);
  };
  for (const dataset of originals) {
    for (const [rawKey, element] of everyAttribute(dataset)) {
      const tag = rawKey.toUpperCase();
      if (NAME_TAGS.has(tag)) {
        for (const value of valuesOf(element)) {
          const groups = nameGroups(value);
          if (groups.length === 0) continue;
          const forms = comparableValues({ vr: 'PN', Value: [value] }, 'original');
          for (const group of groups) {
            for (const form of nameForms(group)) add(tag, form, forms);
            // Romanized before its components are measured: 王^小明 is WANG^XIAOMING.
            for (const form of nameForms(romanized(comparableText(group)))) {
              for (const key of originalLooseKeys(form)) add1(tag, key, true, forms);
            }
          }
        }
      } else if (ID_TAGS.has(tag)) {
        for (const value of valuesOf(element)) {
          if (typeof value !== 'string') continue;
          const text = comparableText(value);
          if ([...text].length < MIN_ID_LENGTH) continue;
          add(tag, text, comparableValues({ vr: 'LO', Value: [value] }, 'original'));
        }
      }
    }
  }
  return [...needles.values()];
}

const WORD_CHARACTER = /[\p{L}\p{N}]/u;

const isWordCharacter = (codePoint: number | undefined): boolean =>
  codePoint !== undefined && WORD_CHARACTER.test(String.fromCodePoint(codePoint));

/** The code point that ends right before `at` (a surrogate pair read whole). */
function codePointBefore(text: string, at: number): number | undefined {
  if (at <= 0) return undefined;
  const unit = text.charCodeAt(at - 1);
  if (unit >= 0xdc00 && unit <= 0xdfff && at >= 2) {
    const high = text.charCodeAt(at - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.codePointAt(at - 2);
  }
  return unit;
}

/** Whether `needle` stands in `text` as a whole: no letter or digit right before or after it. */
export function containsWhole(text: string, needle: string): boolean {
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    if (
      !isWordCharacter(codePointBefore(text, at)) &&
      !isWordCharacter(text.codePointAt(at + needle.length))
    ) {
      return true;
    }
  }
  return false;
}

/** The texts of an element as compared, or none when its VR holds no written text. */
function textsOf(element: DicomJsonElement): string[] {
  const vr = element.vr?.toUpperCase();
  if (vr === 'PN') {
    return valuesOf(element)
      .flatMap(nameGroups)
      .flatMap((group) => [comparableNameGroup(group), comparableText(group)]);
  }
  const texts: string[] = [];
  for (const value of valuesOf(element)) {
    if (typeof value === 'string') {
      if (vr === undefined || !NOT_TEXT.has(vr)) texts.push(comparableText(value));
    } else if (value !== null && typeof value === 'object') {
      // A binary value of unknown VR, kept with a short text of its bytes (BinaryDigest).
      const text = (value as { text?: unknown }).text;
      if (typeof text === 'string') texts.push(comparableText(text));
    }
  }
  if (vr === 'UN' && element.InlineBinary) {
    const bytes = Buffer.from(element.InlineBinary, 'base64');
    texts.push(comparableText(bytes.subarray(0, 4096).toString('utf8')));
  }
  return texts;
}

/**
 * Tags of the copy, at any depth and private ones included, whose text holds one of the
 * original's patient names or IDs. Not reported again: the same public tag, outside private
 * elements, holding the very value the form came from (ORIGINAL_VALUE_RETAINED's case: an
 * attribute the profile replaces, kept as it was; that rule does not walk private elements,
 * so inside one it is reported here); the same tag holding it within more text ("SITE-" + the
 * MRN) is reported. Iterative: a hostile data set may nest thousands deep.
 */
export function findIdentityElsewhere(
  dataset: DicomJsonDataset,
  needles: readonly IdentityNeedle[],
  found: (key: string) => void,
): void {
  if (needles.length === 0) return;
  const stack: [holder: DicomJsonDataset, inPrivate: boolean][] = [[dataset, false]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [holder, inPrivate] = next;
    for (const [rawKey, element] of Object.entries(holder)) {
      if (!element) continue;
      const key = rawKey.toUpperCase();
      const privateHere = inPrivate || isPrivateTag(key);
      for (const item of itemsOf(element)) stack.push([item, privateHere]);
      const texts = textsOf(element);
      if (texts.length === 0) continue;
      const kept = new Set(
        privateHere ? [] : comparableValues(element, looseSideOf(key, element.vr, 'copy')),
      );
      let looseTexts: string[] | undefined; // made at the first loose needle
      const hit = needles.some((needle) => {
        if (needle.tag === key && needle.originals.some((form) => kept.has(form))) return false;
        if (!needle.loose) return texts.some((text) => containsWhole(text, needle.text));
        looseTexts ??= [...new Set(texts.flatMap(copyLooseKeys))];
        return looseTexts.some((text) => containsWhole(text, needle.text));
      });
      if (hit) found(key);
    }
  }
}
