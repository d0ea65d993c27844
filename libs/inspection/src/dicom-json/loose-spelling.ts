import anyAscii from 'any-ascii';
import confusables from 'unhomoglyph/data.json';

// A second, looser comparison of a person's name or ID beside comparableText's exact one: the
// spellings a human still reads as the same patient, the way a name changes on the way to a
// vendor. Each key is made of a text already folded by comparableText (NFKC, upper case,
// invisible characters dropped, digits and dashes folded).
//
// - Look-alikes: the UTS #39 skeleton (NFD, each character replaced by its prototype in
//   Unicode's confusables.txt, NFD again), so Cyrillic 'Р', Greek 'Ο', Latin 'ɑ' or Cherokee
//   'Ꭺ' in a Latin name, or 'O' for '0' in an MRN, compare as what they look like. The
//   table is Unicode's own, as the unhomoglyph package ships it (data.json, confusables.txt).
// - Transliteration: any-ascii's romanization (diacritics stripped, Ł as L, Þ as TH, Cyrillic,
//   Greek, kana, hangul, hanzi as pinyin), and beside it the national ASCII conventions that
//   spell a letter otherwise (German Ä Ö Ü as AE OE UE, DIN 5007-2 and ICAO 9303; Serbo-Croatian
//   Đ as DJ; Greek ΟΥ as OU, ELOT 743 and ISO 843, where letter for letter gives OY).
//
// The two sides are not folded alike. The original's value is transliterated: a system that
// strips diacritics or romanizes turns the record's José into JOSE, never JOSE into José.
// The copy's is transliterated only when it holds no Latin letter beyond ASCII, no mark on a
// Latin letter and no ideograph: an accent that the record does not have is a letter a reader
// sees (another patient), and two ideographs read alike (王 and 汪, both Wang) are two names.

type Confusables = Readonly<Record<string, string>>;
const PROTOTYPES = confusables as Confusables;

/** Each ASCII character's prototype (most are themselves: 0 as O, 1 and I as l, ...). */
const ASCII_PROTOTYPES = Array.from(
  { length: 0x80 },
  (_, code) => PROTOTYPES[String.fromCharCode(code)] ?? String.fromCharCode(code),
);
// eslint-disable-next-line no-control-regex -- every ASCII character, controls included
const ASCII = /^[\u0000-\u007f]*$/;

/** UTS #39 skeleton: NFD, each code point by its prototype, NFD again. */
export function skeletonFull(text: string): string {
  let mapped = '';
  for (const character of text.normalize('NFD')) mapped += PROTOTYPES[character] ?? character;
  return mapped.normalize('NFD');
}

/** {@link skeletonFull}, with a shortcut for ASCII text (a unit test holds them equal). */
export function skeleton(text: string): string {
  if (!ASCII.test(text)) return skeletonFull(text);
  let mapped = '';
  for (let at = 0; at < text.length; at += 1) mapped += ASCII_PROTOTYPES[text.charCodeAt(at)];
  return mapped;
}

/** any-ascii's romanization, upper case (it writes Ш as Sh). */
export function romanized(text: string): string {
  return ASCII.test(text) ? text : anyAscii(text).toUpperCase();
}

/** The national ASCII spellings that differ from any-ascii's, applied before it. */
function nationalSpelling(text: string): string {
  return text
    .normalize('NFD')
    .replace(/([AOU])\u0308/g, '$1E')
    .replace(/\u0110/g, 'DJ')
    .replace(/\u039F\p{Mn}*\u03A5/gu, 'OU')
    .normalize('NFC');
}

/**
 * Whether a copy's text may be romanized: no Latin letter beyond ASCII, no mark on a Latin
 * letter, no ideograph (marks on other letters may go: Й is И and a breve, ダ is タ and a
 * voicing mark).
 */
const NOT_ROMANIZED_IN_A_COPY = /[^\0-\x7f\P{Script=Latin}]|\p{Script=Han}|\p{Script=Latin}\p{Mn}/u;
const romanizableCopy = (text: string): boolean =>
  !NOT_ROMANIZED_IN_A_COPY.test(text.normalize('NFD'));

/**
 * The skeletons of a text folded to upper case (as comparableText folds it) and to lower
 * case: confusables.txt maps by case (ɑ is a, its capital Ɑ is itself; 1 and I are l).
 */
function skeletons(text: string): string[] {
  const upper = skeleton(text);
  const lower = skeleton(text.toLowerCase());
  return upper === lower ? [upper] : [upper, lower];
}

const unique = (keys: string[]): string[] => [...new Set(keys)];

/**
 * The loose keys of an original's value (folded by comparableText): its skeleton, and the
 * skeletons of its romanizations. A copy's value spells it loosely when one of its
 * {@link copyLooseKeys} is one of them.
 */
export function originalLooseKeys(text: string): string[] {
  if (ASCII.test(text)) return skeletons(text);
  return unique([
    ...skeletons(text),
    ...skeletons(romanized(text)),
    ...skeletons(romanized(nationalSpelling(text))),
  ]);
}

/** The loose keys of a copy's value (folded by comparableText). */
export function copyLooseKeys(text: string): string[] {
  if (ASCII.test(text)) return skeletons(text);
  const keys = skeletons(text);
  if (romanizableCopy(text)) keys.push(...skeletons(romanized(text)));
  return unique(keys);
}

/** More than this many keys of one name group (a copy's hostile PN), and each way is one key. */
const MAX_NAME_KEYS = 256;

/**
 * A person name group's loose keys (its components folded by comparableText, joined by '^'):
 * each component folded any of its ways (José^García may reach a copy as JOSE^GARCÍA), and
 * the components sorted, so that family and given names swapped (JOSE^GARCIA for GARCIA^JOSE)
 * are the same name.
 */
export function nameGroupLooseKeys(group: string, side: 'original' | 'copy'): string[] {
  const keysOf = side === 'original' ? originalLooseKeys : copyLooseKeys;
  const perComponent = group
    .split('^')
    .filter((component) => component !== '')
    .map(keysOf);
  const count = perComponent.reduce((product, keys) => product * keys.length, 1);
  let combinations: string[][] = [[]];
  if (count <= MAX_NAME_KEYS) {
    for (const keys of perComponent) {
      combinations = combinations.flatMap((chosen) => keys.map((key) => [...chosen, key]));
    }
  } else {
    const ways = Math.max(...perComponent.map((keys) => keys.length));
    combinations = Array.from({ length: ways }, (_, way) =>
      perComponent.map((keys) => keys[Math.min(way, keys.length - 1)]),
    );
  }
  return unique(combinations.map((chosen) => chosen.sort().join('^')));
}
