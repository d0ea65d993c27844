// Kafka message value -> validated LineageEvent, or a categorized reason for the quarantine.
// Checks run from the cheapest to the dearest, and each refusal names what was wrong
// without quoting patient data.
import { EVENT_DATA_SCHEMAS } from '../events/event-data.schemas';
import { isEventType } from '../events/event-types';
import type {
  CloudEventAttributes,
  DecodeResult,
  LineageEvent,
} from '../events/lineage-event.types';
import { isRfc3339DateTime, unstorableDateTimeProblem } from '../time/rfc3339';
import { contractErrorMap, formatIssues } from './data-issue.formatter';
import { scanJsonStructure } from './json-structure.scanner';
import { patientValuesIn, withholdPatientValues } from './reason-patient-values';

export const DEFAULT_MAX_EVENT_BYTES = 1_048_576;
export const MAX_JSON_DEPTH = 64;

export type DecodeFailureCategory =
  | 'empty'
  | 'too_large'
  | 'not_utf8'
  | 'not_json'
  | 'too_deep'
  | 'duplicate_key'
  | 'not_cloudevent'
  | 'unknown_type'
  | 'invalid_data';

export interface DecodeOptions {
  /** Largest accepted message value in bytes (default 1 MiB). */
  maxBytes?: number;
}

const MAX_SHOWN = 100;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function fail(category: DecodeFailureCategory, detail: string): DecodeResult {
  return { ok: false, reason: `${category}: ${detail}` };
}

/** Byte offset of the first malformed UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c === undefined || c < min || c > max) return i;
    }
    i += need + 1;
  }
  return -1;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const kind = typeof value;
  return kind === 'object' ? 'an object' : `a ${kind}`;
}

function show(value: unknown): string {
  if (typeof value !== 'string') return describeJsonType(value);
  return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// CloudEvents JSON format 2.2: a null attribute is the same as an absent one.
function attribute(envelope: Record<string, unknown>, name: string): unknown {
  const value = Object.hasOwn(envelope, name) ? envelope[name] : undefined;
  return value === null ? undefined : value;
}

const URI_REFERENCE = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/** RFC 3986 URI-reference: allowed characters, and a scheme wherever a ':' says one is. */
export function isUriReference(value: string): boolean {
  if (!URI_REFERENCE.test(value)) return false;
  const firstSegment = value.split(/[/?#]/, 1)[0];
  const colon = firstSegment.indexOf(':');
  return colon === -1 || SCHEME.test(firstSegment.slice(0, colon));
}

function isAbsoluteUri(value: string): boolean {
  const colon = value.indexOf(':');
  return colon > 0 && isUriReference(value) && SCHEME.test(value.slice(0, colon));
}

const JSON_MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/(?:[a-z0-9!#$&^_.+-]*\+)?json$/;

/** `*\/json` or `*\/*+json`, parameters ignored (CloudEvents JSON format 3.1.1). */
function isJsonMediaType(value: string): boolean {
  return JSON_MEDIA_TYPE.test(value.split(';', 1)[0].trim().toLowerCase());
}

type AttributeCheck = { value: string } | { problem: string };

function requiredString(envelope: Record<string, unknown>, name: string): AttributeCheck {
  const value = attribute(envelope, name);
  if (value === undefined) return { problem: `${name} is missing` };
  if (typeof value !== 'string') {
    return { problem: `${name} must be a string, got ${describeJsonType(value)}` };
  }
  if (value.length === 0) return { problem: `${name} must not be empty` };
  return { value };
}

function optionalString(
  envelope: Record<string, unknown>,
  name: string,
): AttributeCheck | undefined {
  return attribute(envelope, name) === undefined ? undefined : requiredString(envelope, name);
}

/**
 * Validates an already parsed JSON value as a scantrail CloudEvent. Unknown envelope
 * attributes (CloudEvents extensions) are allowed and dropped from the result. A refusal's
 * reason never holds the message's own patient values (reason-patient-values.ts).
 */
export function validateEvent(parsed: unknown): DecodeResult {
  const result = validateParsed(parsed);
  if (result.ok) return result;
  return { ok: false, reason: withholdPatientValues(result.reason, patientValuesIn(parsed)) };
}

function validateParsed(parsed: unknown): DecodeResult {
  if (!isPlainObject(parsed)) {
    const batch = Array.isArray(parsed) ? ' (the JSON batch format is not accepted)' : '';
    return fail(
      'not_cloudevent',
      `the value is ${describeJsonType(parsed)}, not an object${batch}`,
    );
  }
  const specversion = attribute(parsed, 'specversion');
  if (specversion === undefined) return fail('not_cloudevent', 'specversion is missing');
  if (specversion !== '1.0') {
    return fail('not_cloudevent', `specversion must be "1.0", got ${show(specversion)}`);
  }
  const id = requiredString(parsed, 'id');
  if ('problem' in id) return fail('not_cloudevent', id.problem);
  const source = requiredString(parsed, 'source');
  if ('problem' in source) return fail('not_cloudevent', source.problem);
  if (!isUriReference(source.value)) {
    return fail('not_cloudevent', 'source must be a URI-reference (RFC 3986)');
  }
  const type = requiredString(parsed, 'type');
  if ('problem' in type) return fail('not_cloudevent', type.problem);
  const time = requiredString(parsed, 'time');
  if ('problem' in time) return fail('not_cloudevent', time.problem);
  if (!isRfc3339DateTime(time.value)) {
    return fail(
      'not_cloudevent',
      `time must be an RFC 3339 date-time with an offset (e.g. 2024-05-01T12:00:00Z), got ${show(time.value)}`,
    );
  }
  // A well-formed time the ledger cannot store is bad data, not a malformed CloudEvent.
  const timeProblem = unstorableDateTimeProblem(time.value);
  if (timeProblem !== undefined) return fail('invalid_data', `time: ${timeProblem}`);
  const subject = optionalString(parsed, 'subject');
  if (subject !== undefined && 'problem' in subject) {
    return fail('not_cloudevent', subject.problem);
  }
  const datacontenttype = optionalString(parsed, 'datacontenttype');
  if (datacontenttype !== undefined) {
    if ('problem' in datacontenttype) return fail('not_cloudevent', datacontenttype.problem);
    if (!isJsonMediaType(datacontenttype.value)) {
      return fail(
        'not_cloudevent',
        `datacontenttype must be a JSON media type (e.g. application/json), got ${show(datacontenttype.value)}`,
      );
    }
  }
  const dataschema = optionalString(parsed, 'dataschema');
  if (dataschema !== undefined) {
    if ('problem' in dataschema) return fail('not_cloudevent', dataschema.problem);
    if (!isAbsoluteUri(dataschema.value)) {
      return fail('not_cloudevent', 'dataschema must be an absolute URI (RFC 3986)');
    }
  }
  const data = Object.hasOwn(parsed, 'data') ? parsed.data : undefined;
  if (data === undefined) {
    return fail(
      'not_cloudevent',
      Object.hasOwn(parsed, 'data_base64')
        ? 'data is missing (data_base64 is not accepted: data must be a JSON object)'
        : 'data is missing',
    );
  }
  if (!isPlainObject(data)) {
    return fail('not_cloudevent', `data must be a JSON object, got ${describeJsonType(data)}`);
  }
  if (!isEventType(type.value)) return fail('unknown_type', show(type.value));

  const schema = EVENT_DATA_SCHEMAS[type.value];
  const result = schema.safeParse(data);
  if (!result.success) {
    // Parsed again with our error map only on failure: the map costs zod its fast path.
    const explained = schema.safeParse(data, { error: contractErrorMap });
    return fail(
      'invalid_data',
      explained.success ? 'data: is invalid' : formatIssues('data', explained.error.issues),
    );
  }

  // Built member by member, not as { ...attributes, type, data }: in V8 (node 20) a spread
  // followed by new members costs about 0.8 µs a member, on every message.
  const event: CloudEventAttributes & { type?: string; data?: unknown } = {
    specversion: '1.0',
    id: id.value,
    source: source.value,
    time: time.value,
  };
  if (subject !== undefined) event.subject = subject.value;
  if (datacontenttype !== undefined) event.datacontenttype = datacontenttype.value;
  if (dataschema !== undefined) event.dataschema = dataschema.value;
  // The schema picked by `type` produced `data`, so the pair is consistent.
  event.type = type.value;
  event.data = result.data;
  return { ok: true, event: event as LineageEvent };
}

/**
 * Decodes one Kafka message value (CloudEvents 1.0, JSON structured mode, UTF-8).
 * Refusals read "<category>: <detail>", category one of DecodeFailureCategory.
 */
export function decodeEventMessage(value: Buffer | null, options?: DecodeOptions): DecodeResult {
  if (value === null || value.length === 0) {
    return fail('empty', 'the message has no value (null or zero bytes)');
  }
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_EVENT_BYTES;
  if (value.length > maxBytes) return fail('too_large', `${value.length} bytes > ${maxBytes}`);
  let text: string;
  try {
    text = utf8Decoder.decode(value);
  } catch {
    return fail(
      'not_utf8',
      `invalid UTF-8 byte sequence at byte offset ${firstInvalidUtf8Offset(value)}`,
    );
  }
  const problem = scanJsonStructure(text, MAX_JSON_DEPTH);
  if (problem?.category === 'duplicate_key') {
    // The path names members as sent, and one may be the message's own patient value (an
    // MRN keying an object): the text is JSON still, so its values are found as for any
    // other refusal (reason-patient-values.ts).
    let values: string[] = [];
    try {
      values = patientValuesIn(JSON.parse(text));
    } catch {
      // Unreachable after the scan, as below.
    }
    return fail(problem.category, withholdPatientValues(problem.detail, values));
  }
  if (problem !== undefined) return fail(problem.category, problem.detail);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Unreachable after the scan; kept so a scanner gap can never throw out of here.
    return fail('not_json', 'the JSON parser refused the value');
  }
  return validateEvent(parsed);
}
