// @scantrail/inspection: reads DICOM headers (Part 10 files or the DICOM JSON model of
// DICOMweb) and inspects a de-identified study against the Basic Profile (PS3.15 Table E.1-1)
// and the issue codes of CONTRACT section 1. Pure code: no framework, nothing logged.
export type { DicomJsonDataset, DicomJsonElement } from './dicom-json/dicom-json.types';
export { TAGS, formatTag } from './dicom-json/dicom-json.values';
export {
  MAX_HEADER_ELEMENTS,
  Part10ReadError,
  hasPart10Prefix,
  readPart10Header,
  type Part10Header,
  type Part10ReadFailure,
} from './part10/part10-header.reader';
export { MAX_HEADER_BYTES, readPart10File } from './part10/part10-file.reader';
export {
  BASIC_PROFILE_SOURCE,
  METHOD_CODES,
  RETAIN_OPTION_CODES,
  profileAttributeOf,
  type ProfileAttribute,
} from './basic-profile/basic-profile';
export { BASIC_PROFILE_ROWS } from './basic-profile/basic-profile.data';
export type { BasicProfileRow, ProfileOptionColumn } from './basic-profile/basic-profile.types';
export {
  INSPECTION_ISSUE_CODES,
  INSPECTOR_TOOL,
  type FoundPatientIdentifier,
  type InspectionIssue,
  type InspectionIssueCode,
  type StudyInspection,
  type StudyInspectionInput,
} from './inspect/inspection.types';
export {
  FACE_SERIES_MIN_INSTANCES,
  OriginalStudyValues,
  StudyInspector,
  groupByStudy,
  inspectStudy,
  keywordOf,
  studyInstanceUidOf,
  type StudyInspectorOptions,
} from './inspect/study-inspection';
