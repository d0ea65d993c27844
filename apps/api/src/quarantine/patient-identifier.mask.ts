// Quarantined messages are the one place a clear patient identifier can live (they were
// refused before pseudonymization). Roles without `clear-identifiers` get the bytes with
// every patient identifier value masked; all other bytes are left exactly as received.

const MASK = '"***"';
// A patient object is flat ({system, value}); an unterminated one runs to the end.
const PATIENT_OBJECT = /("patient"\s*:\s*)(\{[^}]*\}?)/g;
const PATIENT_STRING = /("patient"\s*:\s*)("(?:[^"\\]|\\.)*")/g;
const VALUE = /("value"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\s]+)/g;

/** The message with the `value` of every `"patient"` object (or a string patient) masked. */
export function maskPatientIdentifiers(raw: Buffer): Buffer {
  // latin1 maps every byte to one char and back, so untouched bytes survive as they were.
  const text = raw.toString('latin1');
  if (!text.includes('"patient"')) return raw;
  const masked = text
    .replace(
      PATIENT_OBJECT,
      (_, key: string, body: string) => key + body.replace(VALUE, `$1${MASK}`),
    )
    .replace(PATIENT_STRING, `$1${MASK}`);
  return Buffer.from(masked, 'latin1');
}
