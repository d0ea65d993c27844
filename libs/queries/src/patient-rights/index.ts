export {
  PatientRightsReadService,
  DELETION_REQUEST_ORDERS,
  type DeletionRequestOrder,
  type DeletionRequestsArgs,
} from './patient-rights-read.service';
export type * from './patient-rights.views';
export {
  loadPatientsWorld,
  loadVendorWorld,
  type LoadedWorld,
} from './patient-rights-facts.loader';
/** The list's and breach impact's statements, for bench/explain.ts's plans. */
export { BREACH_AFFECTED_PAGE, BREACH_BY_ID, PATIENT_FAMILIES } from './patient-rights.sql';
export {
  KEPT_AS_OF,
  REQUESTS_MADE_BY,
  REQUESTS_PAGE,
  STATUS_PAGE,
  VENDOR_COUNTS_AS_OF,
  VENDOR_PAGE,
} from './deletion-requests.sql';
export {
  keepAllDeletionObligations,
  keepDeletionObligations,
  keepDeletionObligationsOfVendors,
  requestsTouched,
} from './deletion-obligations.keeper';
/** The statement of the list by due date, for its plan test (test/medium/queries/deletion-due-plan). */
export { DUE_PAGE } from './deletion-requests.sql';
