// Quarantined messages are the one place a clear patient identifier can live (they were
// refused before pseudonymization). Roles without `clear-identifiers` see a message only
// after a real JSON parse and the redaction of every patient value; what cannot be parsed
// is not shown at all. Regular expressions over raw bytes miss encodings, escapes and
// arrays, so nothing here looks at the bytes as text before they are decoded and parsed.
import { patientValuesIn, withholdPatientValues } from '@scantrail/contract';

export const REDACTED = '[redacted]';

/** Encodings a JSON text may come in (RFC 8259 section 8.1, RFC 4627 section 3). */
export type JsonEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

export type RedactedMessage =
  { kind: 'redacted'; encoding: JsonEncoding; json: string } | { kind: 'withheld' };

// Keys whose whole value is a patient's: the contract's `patient` and
// `patientIdentifiersFound`, and any producer's `patientId`, `PatientName`, `mrn`, ...
const PATIENT_KEY = /patient|mrn/i;
// DICOM JSON (PS3.18 F.2) keys attributes by tag: group 0010 is the Patient module (name,
// ID, other IDs, birth date, address ...), as "00100020" or "(0010,0020)".
const DICOM_PATIENT_TAG = /^\(?0010,?[0-9A-F]{4}\)?$/i;
// CloudEvents' binary data in the JSON format (3.1.1): the data itself, base64-encoded.
const BASE64_DATA_KEY = 'data_base64';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Inside a patient value, the naming system of an identifier is not itself identifying.
const KEPT_INSIDE_PATIENT = new Set(['system']);
// Nesting beyond this is not a real event; refusing it keeps the walk bounded.
const MAX_DEPTH = 64;

const BOMS: readonly [JsonEncoding, readonly number[]][] = [
  ['utf-32le', [0xff, 0xfe, 0x00, 0x00]],
  ['utf-32be', [0x00, 0x00, 0xfe, 0xff]],
  ['utf-8', [0xef, 0xbb, 0xbf]],
  ['utf-16le', [0xff, 0xfe]],
  ['utf-16be', [0xfe, 0xff]],
];

/**
 * The encoding of a JSON text and where its characters start: a byte order mark says it;
 * without one, the zero bytes around the first character (always ASCII in JSON) do.
 */
export function detectJsonEncoding(raw: Buffer): { encoding: JsonEncoding; start: number } {
  for (const [encoding, bom] of BOMS) {
    if (raw.length >= bom.length && bom.every((b, i) => raw[i] === b)) {
      return { encoding, start: bom.length };
    }
  }
  if (raw.length >= 4) {
    const zero = [0, 1, 2, 3].map((i) => raw[i] === 0);
    if (zero[0] && zero[1] && zero[2] && !zero[3]) return { encoding: 'utf-32be', start: 0 };
    if (!zero[0] && zero[1] && zero[2] && zero[3]) return { encoding: 'utf-32le', start: 0 };
  }
  if (raw.length >= 2) {
    if (raw[0] === 0 && raw[1] !== 0) return { encoding: 'utf-16be', start: 0 };
    if (raw[0] !== 0 && raw[1] === 0) return { encoding: 'utf-16le', start: 0 };
  }
  return { encoding: 'utf-8', start: 0 };
}

/** UTF-32 by hand (TextDecoder has none); undefined when a code point is not valid. */
function decodeUtf32(bytes: Buffer, littleEndian: boolean): string | undefined {
  if (bytes.length % 4 !== 0) return undefined;
  const points: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const point = littleEndian ? bytes.readUInt32LE(i) : bytes.readUInt32BE(i);
    if (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) return undefined;
    points.push(point);
  }
  let text = '';
  // In slices: String.fromCodePoint takes its arguments on the stack.
  for (let i = 0; i < points.length; i += 8192) {
    text += String.fromCodePoint(...points.slice(i, i + 8192));
  }
  return text;
}

/** The text of the bytes in that encoding, or undefined when they are not valid in it. */
export function decodeJsonText(
  raw: Buffer,
  encoding: JsonEncoding,
  start: number,
): string | undefined {
  const bytes = raw.subarray(start);
  if (encoding === 'utf-32le' || encoding === 'utf-32be') {
    return decodeUtf32(bytes, encoding === 'utf-32le');
  }
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Every leaf of a patient value masked, except the identifier's naming system. */
function redactPatientValue(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new RangeError('too deep');
  if (Array.isArray(value)) return value.map((item) => redactPatientValue(item, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] =
        KEPT_INSIDE_PATIENT.has(key) && typeof item === 'string'
          ? item
          : redactPatientValue(item, depth + 1);
    }
    return out;
  }
  return value === null ? null : REDACTED;
}

/** An object shaped like an identifier (FHIR Identifier style: `system` beside `value`). */
function isIdentifier(value: Record<string, unknown>): boolean {
  return 'value' in value && 'system' in value;
}

/**
 * The parsed message with every patient value masked: under a patient-like key, in any
 * `{system, value}` identifier wherever it sits, and inside strings that are themselves
 * JSON (a producer that encoded its data twice).
 */
export function redactParsed(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new RangeError('too deep');
  if (Array.isArray(value)) return value.map((item) => redactParsed(item, depth + 1));
  if (typeof value === 'string') return redactEmbeddedJson(value, depth);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const identifier = isIdentifier(record);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    if (PATIENT_KEY.test(key) || DICOM_PATIENT_TAG.test(key) || (identifier && key === 'value')) {
      out[key] = redactPatientValue(item, depth + 1);
    } else if (key === BASE64_DATA_KEY && typeof item === 'string') {
      out[key] = redactBase64Data(item, depth + 1);
    } else {
      out[key] = redactParsed(item, depth + 1);
    }
  }
  return out;
}

/**
 * `data_base64` as its redacted JSON, base64-encoded again; masked whole when its bytes are
 * not base64 of a JSON object or array (binary data, DICOM files: nothing of it is shown).
 */
function redactBase64Data(text: string, depth: number): string {
  if (!BASE64.test(text)) return REDACTED;
  const inner = redactQuarantinedBytes(Buffer.from(text, 'base64'), depth);
  return inner.kind === 'redacted' ? Buffer.from(inner.json).toString('base64') : REDACTED;
}

function redactEmbeddedJson(text: string, depth: number): string {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  let inner: unknown;
  try {
    inner = JSON.parse(text);
  } catch {
    return text;
  }
  return JSON.stringify(redactParsed(inner, depth + 1));
}

/**
 * A quarantined message as a role without clear identifiers may see it: decoded (UTF-8,
 * or UTF-16/32 by byte order mark or zero pattern), parsed as JSON, every patient value
 * masked, and written back as compact JSON; or withheld when it does not decode or parse,
 * or is a bare string or number that could itself be an identifier.
 */
export function redactQuarantinedMessage(raw: Buffer): RedactedMessage {
  return redactQuarantinedBytes(raw, 0);
}

function redactQuarantinedBytes(raw: Buffer, depth: number): RedactedMessage {
  const { encoding, start } = detectJsonEncoding(raw);
  const text = decodeJsonText(raw, encoding, start);
  if (text === undefined) return { kind: 'withheld' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'withheld' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { kind: 'withheld' };
  try {
    const masked = maskMentions(redactParsed(parsed, depth), patientValuesIn(parsed), depth);
    return { kind: 'redacted', encoding, json: JSON.stringify(masked) };
  } catch {
    return { kind: 'withheld' };
  }
}

/**
 * The message's patient values wherever else it repeats them: in any string (an MRN sent as
 * the time, inside the type, in a description) and in member names (an MRN as a key),
 * compared as the ingest finds them in free text (case, composition). A renamed member that
 * meets another keeps its own place with a number.
 */
function maskMentions(value: unknown, values: readonly string[], depth: number): unknown {
  if (values.length === 0) return value;
  if (depth > MAX_DEPTH) throw new RangeError('too deep');
  if (typeof value === 'string') return withholdPatientValues(value, values, REDACTED);
  if (Array.isArray(value)) return value.map((item) => maskMentions(item, values, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    let name = withholdPatientValues(key, values, REDACTED);
    for (let n = 2; name !== key && Object.hasOwn(out, name); n += 1) {
      name = `${withholdPatientValues(key, values, REDACTED)} ${n}`;
    }
    out[name] = maskMentions(item, values, depth + 1);
  }
  return out;
}

/**
 * A quarantine reason as a role without clear identifiers may see it: the message's own
 * patient values withheld (the decoder does so since the canary sweep; reasons stored
 * before it may still quote them).
 */
export function redactReason(reason: string, raw: Buffer): string {
  const { encoding, start } = detectJsonEncoding(raw);
  const text = decodeJsonText(raw, encoding, start);
  if (text === undefined) return reason;
  try {
    return withholdPatientValues(reason, patientValuesIn(JSON.parse(text)), REDACTED);
  } catch {
    return reason;
  }
}
