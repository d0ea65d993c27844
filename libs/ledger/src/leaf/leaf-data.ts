import { canonicalJson } from '../canonical-json/canonical-json';

/**
 * What a ledger entry commits to (CONTRACT section 4): the stored CloudEvent with its
 * sequence and the digest of the Kafka message as received. Patient identifier values in
 * `data` are already pseudonymized.
 */
export interface LeafFields {
  sequence: number;
  source: string;
  id: string;
  type: string;
  /** The CloudEvent `time` as received (RFC 3339). */
  time: string;
  subject: string;
  data: unknown;
  /** SHA-256 of the Kafka message value as received, hex. */
  payloadDigest: string;
}

/** Leaf data that does not hold the fields every entry commits to. */
export class LeafDataError extends Error {
  override readonly name = 'LeafDataError';
}

const TEXT_FIELDS = ['source', 'id', 'type', 'time', 'subject', 'payloadDigest'] as const;

/** The leaf data of an entry: the RFC 8785 canonical JSON text of exactly these fields. */
export function encodeLeafData(entry: LeafFields): string {
  const template = Number.isSafeInteger(entry.sequence) ? leafDataTemplate(entry) : undefined;
  if (template) return leafDataAt(template, entry.sequence);
  // Members written in canonical order already, so canonicalJson need not sort them.
  return canonicalJson({
    data: entry.data,
    id: entry.id,
    payloadDigest: entry.payloadDigest,
    sequence: entry.sequence,
    source: entry.source,
    subject: entry.subject,
    time: entry.time,
    type: entry.type,
  });
}

/**
 * An entry's leaf data without its sequence: the canonical text before the sequence's
 * digits and after them. `sequence` sorts between `payloadDigest` and `source`, so the
 * text of every other member is the same whatever sequence the entry gets, and can be
 * made before the sequencer's lock.
 */
export interface LeafDataTemplate {
  /** `{"data":…,"id":…,"payloadDigest":…,"sequence":` */
  readonly head: string;
  /** `,"source":…,"subject":…,"time":…,"type":…}` */
  readonly tail: string;
}

/**
 * The template of plain fields (text fields that are strings, data that JSON can carry);
 * undefined for anything else, whose leaf data (or error) only encodeLeafData gives.
 */
export function leafDataTemplate(
  fields: Omit<LeafFields, 'sequence'>,
): LeafDataTemplate | undefined {
  const { data, id, payloadDigest, source, subject, time, type } = fields;
  if (
    data === undefined ||
    typeof data === 'function' ||
    typeof data === 'symbol' ||
    typeof id !== 'string' ||
    typeof payloadDigest !== 'string' ||
    typeof source !== 'string' ||
    typeof subject !== 'string' ||
    typeof time !== 'string' ||
    typeof type !== 'string'
  ) {
    return undefined;
  }
  try {
    return {
      head: `{"data":${canonicalJson(data)},"id":${canonicalJson(id)},"payloadDigest":${canonicalJson(payloadDigest)},"sequence":`,
      tail: `,"source":${canonicalJson(source)},"subject":${canonicalJson(subject)},"time":${canonicalJson(time)},"type":${canonicalJson(type)}}`,
    };
  } catch {
    return undefined; // encodeLeafData names the problem, with its path
  }
}

/** The leaf data of the entry of `template` at `sequence` (a safe integer). */
export function leafDataAt(template: LeafDataTemplate, sequence: number): string {
  return template.head + String(sequence) + template.tail;
}

/**
 * The fields of stored leaf data. Checks their presence and types only: whether the text
 * is canonical and matches its hashes is `verify`'s work. Throws LeafDataError.
 */
export function decodeLeafData(leafData: string): LeafFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(leafData);
  } catch {
    throw new LeafDataError('leaf data is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LeafDataError('leaf data is not a JSON object');
  }
  const fields = parsed as Record<string, unknown>;
  if (!Number.isSafeInteger(fields.sequence) || (fields.sequence as number) < 0) {
    throw new LeafDataError('leaf data has no sequence');
  }
  for (const name of TEXT_FIELDS) {
    if (typeof fields[name] !== 'string') throw new LeafDataError(`leaf data has no ${name}`);
  }
  if (!('data' in fields)) throw new LeafDataError('leaf data has no data');
  const { sequence, source, id, type, time, subject, data, payloadDigest } =
    fields as unknown as LeafFields;
  return { sequence, source, id, type, time, subject, data, payloadDigest };
}
