import { data as dcmjsData } from 'dcmjs';

// The DICOM data dictionary (PS3.6) as dcmjs carries it: keywords and VRs of public tags.

/** Groups whose elements repeat over even groups from xx00 to xxFF (PS3.5 7.6): curves, overlays. */
const REPEATING_GROUPS = /^(50|60)/;

export interface DictionaryEntry {
  /** dcmjs's name: the PS3.6 keyword, `RETIRED_` before a retired one's. */
  readonly name: string;
  readonly vr?: string;
}

/**
 * The data dictionary's entry of a tag `GGGGEEEE`; none for a private tag (odd group: its
 * meaning is its creator's). dcmjs answers a lookup of `(00xx,EEEE)` with the command group's
 * attribute (0000,EEEE), so the repeating form is asked for curves and overlays only.
 */
export function dictionaryEntryOf(key: string): DictionaryEntry | undefined {
  const upper = key.toUpperCase();
  if (parseInt(upper.slice(0, 4), 16) % 2 === 1) return undefined;
  const dictionary = dcmjsData.DicomMetaDictionary.dictionary;
  const entry: DictionaryEntry | undefined =
    dictionary[`(${upper.slice(0, 4)},${upper.slice(4)})`] ??
    (REPEATING_GROUPS.test(upper)
      ? dictionary[`(${upper.slice(0, 2)}xx,${upper.slice(4)})`]
      : undefined);
  return entry;
}
