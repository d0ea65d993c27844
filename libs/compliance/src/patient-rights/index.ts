export * from './patient-rights.facts';
export { PatientRightsIndex } from './patient-rights.index';
export {
  evaluateDeletionRequest,
  deletionRequestForVendor,
  requestStatus,
  studiesInScope,
} from './deletion-request.evaluation';
export { evaluateBreachImpact } from './breach-impact.evaluation';
export {
  notificationDeadlines,
  individualNoticeDeadline,
  yearEndHhsDeadline,
  HHS_IMMEDIATE_THRESHOLD,
  MEDIA_THRESHOLD,
  type NotificationDeadlines,
} from './notification-deadlines';
export {
  isProperlyDeidentified,
  latestInspection,
  identifiesPatient,
  type PatientKey,
} from './proper-deidentification';
export {
  holdingPeriods,
  periodHolding,
  type HoldingPeriod,
  type VendorStudyEvent,
} from './holding-periods';
export { DatasetMembership } from '../dataset-membership';
