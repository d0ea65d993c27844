// @scantrail/contract: the events of CONTRACT.md section 1 as types, schemas and a decoder;
// patient pseudonyms; period bounds. Pure code. Test factories: @scantrail/contract/testing.
export * from './events/event-types';
export type * from './events/event-data.types';
export type * from './events/lineage-event.types';
export { EVENT_DATA_SCHEMAS, MAX_DATASET_STUDIES } from './events/event-data.schemas';
export { eventJsonSchemas } from './events/event-json-schemas';
export { subjectOf } from './events/event-subject';
export {
  DEFAULT_MAX_EVENT_BYTES,
  MAX_JSON_DEPTH,
  decodeEventMessage,
  validateEvent,
  type DecodeFailureCategory,
  type DecodeOptions,
} from './decode/cloud-event.decoder';
export {
  isDateOrDateTime,
  isFullDate,
  isRfc3339DateTime,
  parseFullDate,
  parseRfc3339DateTime,
  periodEnd,
  periodStart,
  STORABLE_MIN_MS,
  unstorableDateOrDateTimeProblem,
  unstorableDateTimeProblem,
} from './time/rfc3339';
export { MIN_PSEUDONYM_KEY_BYTES, parsePseudonymKey } from './pseudonym/pseudonym-key';
export {
  PSEUDONYM_PREFIX,
  VALUE_PSEUDONYM_PREFIX,
  patientPseudonym,
  patientValuePseudonym,
  pseudonymizeEvent,
} from './pseudonym/patient-pseudonym';
export { MAX_REDACTED_CHARS, RedactedTextTooLarge } from './pseudonym/free-text';
export {
  patientValuesIn,
  withholdPatientValues,
  WITHHELD_PATIENT_VALUE,
} from './decode/reason-patient-values';
