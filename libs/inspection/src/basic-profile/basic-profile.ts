import { BASIC_PROFILE_ROWS } from './basic-profile.data';
import type { BasicProfileRow, ProfileOptionColumn } from './basic-profile.types';

/** Where the rows come from: the edition of the standard is the one its copy was taken from. */
export const BASIC_PROFILE_SOURCE =
  'DICOM PS3.15 Table E.1-1, machine-readable copy innolitics/dicom-standard ' +
  'standard/confidentiality_profile_attributes.json at commit 0d01bf11dfc1d0b73b6df85bbf6e1764d3c558a3';

/** CID 7050 (De-identification Method) codes of the Basic Profile and its options. */
export const METHOD_CODES = {
  BASIC_PROFILE: '113100',
  CLEAN_PIXEL_DATA: '113101',
  CLEAN_RECOGNIZABLE_VISUAL_FEATURES: '113102',
  CLEAN_GRAPHICS: '113103',
  CLEAN_STRUCTURED_CONTENT: '113104',
  CLEAN_DESCRIPTORS: '113105',
  RETAIN_LONGITUDINAL_FULL_DATES: '113106',
  RETAIN_LONGITUDINAL_MODIFIED_DATES: '113107',
  RETAIN_PATIENT_CHARACTERISTICS: '113108',
  RETAIN_DEVICE_IDENTITY: '113109',
  RETAIN_UIDS: '113110',
  RETAIN_SAFE_PRIVATE: '113111',
  RETAIN_INSTITUTION_IDENTITY: '113112',
} as const;

/** The Retain option columns of the table and the method code that declares each. */
export const RETAIN_OPTION_CODES: Readonly<Partial<Record<ProfileOptionColumn, string>>> = {
  rtnSafePrivOpt: METHOD_CODES.RETAIN_SAFE_PRIVATE,
  rtnUIDsOpt: METHOD_CODES.RETAIN_UIDS,
  rtnDevIdOpt: METHOD_CODES.RETAIN_DEVICE_IDENTITY,
  rtnInstIdOpt: METHOD_CODES.RETAIN_INSTITUTION_IDENTITY,
  rtnPatCharsOpt: METHOD_CODES.RETAIN_PATIENT_CHARACTERISTICS,
  rtnLongFullDatesOpt: METHOD_CODES.RETAIN_LONGITUDINAL_FULL_DATES,
  rtnLongModifDatesOpt: METHOD_CODES.RETAIN_LONGITUDINAL_MODIFIED_DATES,
};

export interface ProfileAttribute extends BasicProfileRow {
  /** `GGGGEEEE` upper case, or the mask with `X` for repeating groups. */
  key: string;
  removes: boolean;
  /** The profile empties, replaces with a dummy, or replaces a UID (Z, D, U in the action). */
  replaces: boolean;
}

const TAG_PATTERN = /^\(([0-9A-FX]{4}),([0-9A-FX]{4})\)$/;

function toAttribute(row: BasicProfileRow): ProfileAttribute | undefined {
  const match = TAG_PATTERN.exec(row.tag);
  if (!match) return undefined; // the private-attributes row: handled by its own issue code
  const actions = row.basicProfile.replace(/\*/g, '').split('/');
  return {
    ...row,
    key: `${match[1]}${match[2]}`,
    removes: actions.includes('X'),
    replaces: actions.some((action) => action === 'Z' || action === 'D' || action === 'U'),
  };
}

const ATTRIBUTES = BASIC_PROFILE_ROWS.map(toAttribute).filter(
  (attribute): attribute is ProfileAttribute => attribute !== undefined,
);
const BY_KEY = new Map(
  ATTRIBUTES.filter((a) => !a.key.includes('X')).map((a) => [a.key, a] as const),
);
const MASKED = ATTRIBUTES.filter((a) => a.key.includes('X'));

function matchesMask(mask: string, key: string): boolean {
  for (let i = 0; i < 8; i += 1) if (mask[i] !== 'X' && mask[i] !== key[i]) return false;
  // Repeating groups (50xx, 60xx) are even groups only.
  return parseInt(key.slice(0, 4), 16) % 2 === 0;
}

/** The Table E.1-1 row of a tag (`GGGGEEEE`), masks of repeating groups included. */
export function profileAttributeOf(key: string): ProfileAttribute | undefined {
  const upper = key.toUpperCase();
  return BY_KEY.get(upper) ?? MASKED.find((attribute) => matchesMask(attribute.key, upper));
}

/** Whether one of the declared Retain options keeps (K) or keeps cleaned (C) the attribute. */
export function retainedByOption(
  attribute: BasicProfileRow,
  methodCodes: ReadonlySet<string>,
): boolean {
  return Object.entries(attribute.options).some(([column, value]) => {
    const code = RETAIN_OPTION_CODES[column as ProfileOptionColumn];
    return code !== undefined && methodCodes.has(code) && (value === 'K' || value === 'C');
  });
}

/**
 * Whether a declared Retain option lets a copy hold the original's very value (for
 * ORIGINAL_VALUE_RETAINED): K keeps it. C keeps it cleaned: of the retain options only
 * Retain Longitudinal Temporal Information with Modified Dates says C, and a date or
 * date-time equal to the original's was not modified; a time (TM) may be, when the dates
 * shift by whole days.
 */
export function keepsOriginalValue(
  attribute: BasicProfileRow,
  methodCodes: ReadonlySet<string>,
  vr: string | undefined,
): boolean {
  return Object.entries(attribute.options).some(([column, value]) => {
    const code = RETAIN_OPTION_CODES[column as ProfileOptionColumn];
    if (code === undefined || !methodCodes.has(code)) return false;
    return value === 'K' || (value === 'C' && vr === 'TM');
  });
}

export function isPrivateTag(key: string): boolean {
  return parseInt(key.slice(0, 4), 16) % 2 === 1;
}
