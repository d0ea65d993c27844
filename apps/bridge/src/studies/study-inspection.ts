import type { DicomJsonDataset } from '../orthanc/orthanc-client';

/**
 * Reads a de-identified copy's files with its original at hand and says what it found:
 * the data of `deidentification.inspected` without `inspectionId` and `studyInstanceUid`.
 */
export interface StudyInspector {
  inspect(
    files: readonly DicomJsonDataset[],
    originals: readonly DicomJsonDataset[],
  ): Record<string, unknown>;
}
