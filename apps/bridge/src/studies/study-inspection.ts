import {
  INSPECTOR_TOOL,
  inspectStudy,
  METHOD_CODES,
  type DicomJsonDataset,
} from '@scantrail/inspection';

/**
 * Who inspects: the bridge, with @scantrail/inspection, over the files Orthanc serves by
 * DICOMweb (Orthanc made the copy; it did not inspect it). The version is the rules': what
 * an inspection reports changes with them.
 */
export const BRIDGE_INSPECTION_TOOL = { name: 'scantrail-bridge', version: INSPECTOR_TOOL.version };

/**
 * The data of `deidentification.inspected` for a copy's instances read with the original
 * study's at hand (so ORIGINAL_VALUE_RETAINED can be seen), without `inspectionId` and
 * `studyInstanceUid`. Patient identifiers found are in clear here: the ingest
 * pseudonymizes them before anything is stored; never log them.
 */
export function inspectionData(
  copy: readonly DicomJsonDataset[],
  original: readonly DicomJsonDataset[],
): Record<string, unknown> {
  const inspection = inspectStudy({
    instances: copy,
    originalInstances: original,
    // Orthanc's anonymization applies the Basic Profile (the study.deidentified event says so).
    methodCodesDeclared: [METHOD_CODES.BASIC_PROFILE],
  });
  const data: Record<string, unknown> = {
    tool: BRIDGE_INSPECTION_TOOL,
    instances: inspection.instances,
    result: inspection.result,
  };
  if (inspection.result === 'FAIL') data.issues = inspection.issues;
  if (inspection.methodCodesFound.length > 0) data.methodCodesFound = inspection.methodCodesFound;
  if (inspection.patientIdentifiersFound.length > 0) {
    data.patientIdentifiersFound = inspection.patientIdentifiersFound;
  }
  return data;
}
