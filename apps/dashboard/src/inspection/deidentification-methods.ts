// The de-identification method codes of a copy (DICOM PS3.16 CID 7050, as `methodCodes` and
// the inspections give them) in the words the dashboard shows them in: the Basic Application
// Confidentiality Profile and its options, as PS3.15 Annex E names them. Other codes as given.

// A Map, not an object: a recorded code like "constructor" must not find a prototype's member.
const METHODS: ReadonlyMap<string, string> = new Map([
  ['113100', 'Basic profile'],
  ['113101', 'Clean pixel data'],
  ['113102', 'Clean recognizable visual features'],
  ['113103', 'Clean graphics'],
  ['113104', 'Clean structured content'],
  ['113105', 'Clean descriptors'],
  ['113106', 'Retain full dates'],
  ['113107', 'Retain modified dates'],
  ['113108', 'Retain patient characteristics'],
  ['113109', 'Retain device identity'],
  ['113110', 'Retain UIDs'],
  ['113111', 'Retain safe private attributes'],
  ['113112', 'Retain institution identity'],
]);

/** "Basic profile (113100)"; a code not in CID 7050 as given. */
export function methodInWords(code: string): string {
  const words = METHODS.get(code);
  return words === undefined ? code : `${words} (${code})`;
}
