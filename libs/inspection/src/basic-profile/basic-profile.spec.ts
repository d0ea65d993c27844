import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METHOD_CODES, profileAttributeOf, retainedByOption } from './basic-profile';
import { BASIC_PROFILE_ROWS } from './basic-profile.data';

// The authoritative copy of PS3.15 Table E.1-1 (see test-data/SOURCE.md).
const COPY_PATH = join(__dirname, '../../test-data/confidentiality_profile_attributes.json');
const copyText = readFileSync(COPY_PATH, 'utf8');
const copy = JSON.parse(copyText) as Record<string, string>[];
const OPTION_COLUMNS = [
  'rtnSafePrivOpt',
  'rtnUIDsOpt',
  'rtnDevIdOpt',
  'rtnInstIdOpt',
  'rtnPatCharsOpt',
  'rtnLongFullDatesOpt',
  'rtnLongModifDatesOpt',
  'cleanDescOpt',
  'cleanStructContOpt',
  'cleanGraphOpt',
];

describe('Basic Profile data (PS3.15 Table E.1-1)', () => {
  it('should be the pinned copy of the table, byte for byte', () => {
    expect(createHash('sha256').update(copyText).digest('hex')).toBe(
      '8ef29165ae49c0012c59ed14a72218f87f649ced1ac26c59f863c06c2d35a587',
    );
  });

  it('should hold every row of the copy, in order, with its action and every option column', () => {
    expect(BASIC_PROFILE_ROWS).toHaveLength(copy.length);
    copy.forEach((row, index) => {
      const generated = BASIC_PROFILE_ROWS[index];
      expect(generated?.name).toBe(row.name);
      expect(generated?.tag).toBe(row.tag);
      expect(generated?.basicProfile).toBe(row.basicProfile);
      expect(generated?.inStandardIod).toBe(row.stdCompIOD === 'Y');
      for (const column of OPTION_COLUMNS) {
        expect([row.name, column, generated?.options[column as 'rtnUIDsOpt']]).toEqual([
          row.name,
          column,
          row[column],
        ]);
      }
    });
  });

  it('should find every exact tag of the table by its key', () => {
    for (const row of copy.filter((r) => /^\([0-9A-F]{4},[0-9A-F]{4}\)$/.test(r.tag ?? ''))) {
      expect(profileAttributeOf(String(row.id))?.name).toBe(row.name);
    }
  });

  it('should match repeating groups through their masks, even groups only', () => {
    expect(profileAttributeOf('60023000')?.name).toBe('Overlay Data');
    expect(profileAttributeOf('50100010')?.name).toBe('Curve Data');
    expect(profileAttributeOf('60033000')).toBeUndefined();
  });

  it('should say the Basic Profile removes Other Patient IDs Sequence and replaces Patient ID', () => {
    expect(profileAttributeOf('00101002')).toMatchObject({ removes: true, replaces: false });
    expect(profileAttributeOf('00100020')).toMatchObject({ removes: false, replaces: true });
  });

  it('should keep an attribute only under a Retain option whose column says K or C', () => {
    const institutionName = profileAttributeOf('00080080');
    const referencedPatient = profileAttributeOf('00081120');
    if (!institutionName || !referencedPatient) throw new Error('rows missing');
    expect(retainedByOption(institutionName, new Set([METHOD_CODES.BASIC_PROFILE]))).toBe(false);
    expect(
      retainedByOption(institutionName, new Set([METHOD_CODES.RETAIN_INSTITUTION_IDENTITY])),
    ).toBe(true);
    // Referenced Patient Sequence: Retain UIDs column says X (still removed).
    expect(retainedByOption(referencedPatient, new Set([METHOD_CODES.RETAIN_UIDS]))).toBe(false);
    // Clean options are not Retain options.
    const studyDescription = profileAttributeOf('00081030');
    if (!studyDescription) throw new Error('row missing');
    expect(retainedByOption(studyDescription, new Set([METHOD_CODES.CLEAN_DESCRIPTORS]))).toBe(
      false,
    );
  });
});
