// Plain-language names for the codes of an accounting entry: the letter is read by the
// patient, who should not have to know our enum spellings. Unknown codes show as they are.

const PURPOSES: Readonly<Record<string, string>> = {
  TREATMENT: 'Treatment',
  PAYMENT: 'Payment',
  HEALTHCARE_OPERATIONS: 'Health care operations',
  QUALITY_IMPROVEMENT: 'Quality improvement',
  RESEARCH: 'Research',
  AI_TRAINING: 'Training an AI model',
  AI_VALIDATION: 'Validating an AI model',
  PRODUCT_DEVELOPMENT: 'Product development',
  PUBLIC_HEALTH: 'Public health',
  REQUIRED_BY_LAW: 'Required by law',
};

const LEGAL_BASES: Readonly<Record<string, string>> = {
  PATIENT_AUTHORIZATION: 'Your authorization',
  DEIDENTIFIED: 'De-identified copy',
  LIMITED_DATA_SET: 'Limited data set agreement',
  IRB_WAIVER: 'Research waiver (IRB)',
  TREATMENT: 'Treatment',
  HEALTHCARE_OPERATIONS: 'Health care operations',
  REQUIRED_BY_LAW: 'Required by law',
  ONWARD_TRANSFER: 'Passed on by a recipient',
};

export function purposeLabel(purpose: string): string {
  return PURPOSES[purpose] ?? purpose;
}

export function legalBasisLabel(legalBasis: string): string {
  return LEGAL_BASES[legalBasis] ?? legalBasis;
}
