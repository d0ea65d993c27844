// The finding codes of CONTRACT.md section 2, with the words and colours the dashboard
// shows them in (one colour per code everywhere: chart, legend, tables).

import {
  FINDING_CODES,
  isFindingCode,
  type FindingCode,
} from '@scantrail/compliance/finding-codes';

export { FINDING_CODES, isFindingCode, type FindingCode };

interface CodeStyle {
  label: string;
  colour: string;
}

// Distinguishable for the common colour-vision deficiencies (Okabe-Ito and Tol hues).
const STYLES: Record<FindingCode, CodeStyle> = {
  NO_AGREEMENT: { label: 'No agreement', colour: '#d55e00' },
  NO_CONSENT: { label: 'No consent', colour: '#e69f00' },
  CONSENT_REVOKED: { label: 'Consent revoked', colour: '#cc79a7' },
  CONSENT_EXPIRED: { label: 'Consent expired', colour: '#aa9f00' },
  PATIENT_OBJECTED: { label: 'Patient objected', colour: '#882255' },
  NOT_DEIDENTIFIED: { label: 'Not de-identified', colour: '#0072b2' },
  FACE_NOT_REMOVED: { label: 'Face not removed', colour: '#56b4e9' },
  UNAUTHORIZED_ONWARD_TRANSFER: { label: 'Unauthorized onward transfer', colour: '#009e73' },
  RETAINED_AFTER_REVOCATION: { label: 'Retained after revocation', colour: '#555555' },
  DEIDENTIFICATION_FAILED: { label: 'De-identification failed', colour: '#332288' },
  PATIENT_IDENTIFIABLE: { label: 'Patient identifiable', colour: '#cc3311' },
};

const UNKNOWN: CodeStyle = { label: 'Other', colour: '#999999' };

export function codeLabel(code: string): string {
  return isFindingCode(code) ? STYLES[code].label : code;
}

export function codeColour(code: string): string {
  return (isFindingCode(code) ? STYLES[code] : UNKNOWN).colour;
}
