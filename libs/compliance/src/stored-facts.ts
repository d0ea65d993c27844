import type { DatasetMemberFact, FoundIdentifier, InspectionFact } from './facts';

/**
 * Facts as the read models store them, decoded in one place for both loaders of a world
 * (the findings worker's loadWorld and the patient-rights loaders): a row of rm_inspections
 * and of rm_dataset_members, with the columns their SQL selects.
 */
export interface StoredInspection {
  inspection_id: string;
  study_uid: string;
  occurred_at: Date;
  /** bigint as text. */
  ledger_sequence: string;
  result: 'PASS' | 'FAIL';
  issues: { code: string }[];
  patient_identifiers_found: FoundIdentifier[];
}

export interface StoredDatasetMember {
  dataset_id: string;
  study_uid: string;
  added_at: Date;
}

export function inspectionFact(row: StoredInspection): InspectionFact {
  return {
    inspectionId: row.inspection_id,
    studyInstanceUid: row.study_uid,
    at: row.occurred_at.getTime(),
    ledgerSequence: Number(row.ledger_sequence),
    result: row.result,
    issueCodes: row.issues.map((issue) => issue.code),
    patientIdentifiersFound: row.patient_identifiers_found,
  };
}

export function datasetMemberFact(row: StoredDatasetMember): DatasetMemberFact {
  return {
    datasetId: row.dataset_id,
    studyInstanceUid: row.study_uid,
    addedAt: row.added_at.getTime(),
  };
}
