export { PatientRightsReadService, type DeletionRequestsArgs } from './patient-rights-read.service';
export type * from './patient-rights.views';
export {
  loadPatientsWorld,
  loadVendorWorld,
  type LoadedWorld,
} from './patient-rights-facts.loader';
