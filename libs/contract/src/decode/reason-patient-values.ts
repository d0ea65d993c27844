// A refusal's reason may quote what the producer sent (an envelope type or time, an unknown
// member's name: what a producer needs to find its mistake). Where that text holds the
// message's own patient identifier (an MRN sent as the time, inside the type, as a member
// name), the reason would carry it in clear into the quarantine's reason column, to roles
// that see quarantined messages only redacted, and into logs. Every such occurrence is
// withheld: the message names its patient values itself, under patient-like keys.
import { replaceMentions } from '../pseudonym/free-text';

export const WITHHELD_PATIENT_VALUE = '[patient value]';

// As the quarantine's redaction reads a message: the contract's `patient` and
// `patientIdentifiersFound`, and any producer's `patientId`, `mrn`, ...
const PATIENT_KEY = /patient|mrn/i;
const MAX_DEPTH = 64;

/** Every string under a patient-like key, and each `value` of a `{system, value}` pair. */
export function patientValuesIn(parsed: unknown): string[] {
  const values = new Set<string>();
  const leaves = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (typeof value === 'string') values.add(value);
    else if (Array.isArray(value)) for (const item of value) leaves(item, depth + 1);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (key !== 'system') leaves(item, depth + 1);
      }
    }
  };
  const walk = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(value)) for (const item of value) walk(item, depth + 1);
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      const identifier = 'system' in record && typeof record.value === 'string';
      for (const [key, item] of Object.entries(record)) {
        if (PATIENT_KEY.test(key)) leaves(item, depth + 1);
        else if (identifier && key === 'value') values.add(item as string);
        else walk(item, depth + 1);
      }
    }
  };
  walk(parsed, 0);
  return [...values].filter((value) => value.trim() !== '');
}

/**
 * `text` with every occurrence of one of `values` (as sent, or as a JSON string writes it)
 * replaced by `replacement`, compared as free text is (free-text.ts).
 */
export function withholdPatientValues(
  text: string,
  values: readonly string[],
  replacement = WITHHELD_PATIENT_VALUE,
): string {
  let out = text;
  for (const value of values) {
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
      out = replaceMentions(out, form, () => replacement);
    }
  }
  return out;
}
