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
