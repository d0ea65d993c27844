export * from './facts';
export * from './stored-facts';
export { evaluateFindings } from './evaluate-findings';
export {
  AGREEMENT_CODES,
  agreementVerdicts,
  evaluateAgreementFindings,
  type AgreementVerdict,
} from './agreement.findings';
export { INSPECTION_CODES, evaluateInspectionFindings } from './inspection.findings';
export { CONSENT_CODES, evaluateConsentFindings } from './consent.findings';
export {
  agreementAt,
  agreementChangeRegions,
  coalesceRegions,
  regionsBetween,
  REGIONS_PER_SIDE,
  wholeVendor,
  type AgreementRegion,
  type AgreementSigning,
  type AgreementTermination,
} from './agreement-changes';
export { ComplianceIndex } from './compliance.index';
export { resolveStudy, indexStudies, type ResolvedStudy } from './study-lineage';
export {
  consentCovers,
  consentInForce,
  revokedBy,
  matchesCode,
  type ConsentQuestion,
} from './consent.rules';
export { agreementInForce, agreementPermits } from './agreement.rules';
export {
  findingsForDisclosure,
  inspectionFindings,
  isDeidentifiedDerivative,
  patientKeyOf,
  needsFaceRemoval,
  BASIC_PROFILE_CODE,
  CLEAN_VISUAL_FEATURES_CODE,
} from './disclosure.findings';
export { findingsForTransfer } from './transfer.findings';
export { holdersAfter } from './retention.findings';
export { compareFindings, compareStrings } from './finding-order';
export * from './patient-rights';
export { FINDING_CODES, isFindingCode } from './finding-codes';
