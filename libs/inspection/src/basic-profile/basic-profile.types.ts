// One row of DICOM PS3.15 Table E.1-1 (Application Level Confidentiality Profile Attributes).

/** The Basic Profile action: X remove, Z zero or dummy, D dummy, U replace UID, K keep, C clean;
 * combinations such as X/Z/D leave the choice to the de-identifier within those actions. */
export type BasicProfileAction = string;

/** The option columns of Table E.1-1, named as in the machine-readable copy. */
export type ProfileOptionColumn =
  | 'rtnSafePrivOpt'
  | 'rtnUIDsOpt'
  | 'rtnDevIdOpt'
  | 'rtnInstIdOpt'
  | 'rtnPatCharsOpt'
  | 'rtnLongFullDatesOpt'
  | 'rtnLongModifDatesOpt'
  | 'cleanDescOpt'
  | 'cleanStructContOpt'
  | 'cleanGraphOpt';

export interface BasicProfileRow {
  /** Attribute name as printed in the table. */
  name: string;
  /** Tag as printed: `(GGGG,EEEE)`, with `XX` masks for repeating groups (`(60XX,3000)`). */
  tag: string;
  basicProfile: BasicProfileAction;
  /** Whether the attribute is in a standard composite IOD (the table's "In Std. Comp. IOD"). */
  inStandardIod: boolean;
  /** The option columns that say something for this attribute (K keep, C clean, X remove ...). */
  options: Partial<Record<ProfileOptionColumn, string>>;
}
