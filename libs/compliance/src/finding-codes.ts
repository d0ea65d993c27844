// The finding codes of CONTRACT.md section 2, in the contract's order: the one list the
// rules, the API's GraphQL enum, its metrics and the dashboard all import. Framework-free
// and dependency-free, so the browser bundle can take it as it is.
export const FINDING_CODES = [
  'NO_AGREEMENT',
  'NO_CONSENT',
  'CONSENT_REVOKED',
  'CONSENT_EXPIRED',
  'PATIENT_OBJECTED',
  'NOT_DEIDENTIFIED',
  'FACE_NOT_REMOVED',
  'UNAUTHORIZED_ONWARD_TRANSFER',
  'RETAINED_AFTER_REVOCATION',
  'DEIDENTIFICATION_FAILED',
  'PATIENT_IDENTIFIABLE',
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

export function isFindingCode(code: string): code is FindingCode {
  return (FINDING_CODES as readonly string[]).includes(code);
}
