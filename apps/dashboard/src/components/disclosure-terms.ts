// A disclosure's purpose and legal basis as a person reads them out ("AI training", not
// AI_TRAINING), the recorded code kept in a title for whoever matches it to an agreement.
// Codes from the contract's Purpose and legalBasis lists; a transfer's accounting entry
// gives ONWARD_TRANSFER as its basis.
import { h } from '../dom/dom-builder';

// Maps, not objects: a recorded value like "constructor" must not find a prototype's member.
const PURPOSES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    TREATMENT: 'Treatment',
    PAYMENT: 'Payment',
    HEALTHCARE_OPERATIONS: 'Health care operations',
    QUALITY_IMPROVEMENT: 'Quality improvement',
    RESEARCH: 'Research',
    AI_TRAINING: 'AI training',
    AI_VALIDATION: 'AI validation',
    PRODUCT_DEVELOPMENT: 'Product development',
    PUBLIC_HEALTH: 'Public health',
    REQUIRED_BY_LAW: 'Required by law',
  }),
);

const LEGAL_BASES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    PATIENT_AUTHORIZATION: 'Patient’s authorization',
    DEIDENTIFIED: 'De-identified data',
    LIMITED_DATA_SET: 'Limited data set',
    IRB_WAIVER: 'IRB waiver',
    TREATMENT: 'Treatment',
    HEALTHCARE_OPERATIONS: 'Health care operations',
    REQUIRED_BY_LAW: 'Required by law',
    ONWARD_TRANSFER: 'Onward transfer',
  }),
);

/** A purpose in words; a code not in the contract's list as recorded. */
export const purposeWords = (code: string): string => PURPOSES.get(code) ?? code;

/** A legal basis in words; a code not in the contract's list as recorded. */
export const legalBasisWords = (code: string): string => LEGAL_BASES.get(code) ?? code;

/** The words, with the recorded code in a title. */
export const termInWords = (code: string, words: (code: string) => string): HTMLElement =>
  h('span', { title: code }, words(code));
