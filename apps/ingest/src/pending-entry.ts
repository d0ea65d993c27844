import { createHash } from 'node:crypto';
import { faultOf, type Fault } from '@scantrail/config';
import {
  decodeEventMessage,
  MAX_REDACTED_CHARS,
  pseudonymizeEvent,
  RedactedTextTooLarge,
  subjectOf,
} from '@scantrail/contract';
import { MAX_ENTRY_LENGTH } from '@scantrail/ledger';
import { prepareLeafData, type PendingEntry } from '@scantrail/storage';

/**
 * A Kafka message's value as the ledger records it (decoded, validated, pseudonymized,
 * its subject and the digest of the bytes received), or why it is refused. The ingest's
 * batch recorder and the benchmarks' loaders build entries only through this.
 */
export function pendingEntryOf(
  value: Buffer | null,
  pseudonymKey: Buffer,
): { entry: PendingEntry } | { reason: string; fault?: Fault } {
  try {
    return preparedEntryOf(value, pseudonymKey);
  } catch (error) {
    if (error instanceof RedactedTextTooLarge) {
      return {
        reason: `too_large: with the patient identifier its free text repeats replaced by its pseudonym, a field would pass ${MAX_REDACTED_CHARS} characters, more than an entry frames`,
      };
    }
    // A fault of ours that a message's content sets off must not stall its partition (the
    // consumer would retry it for ever): the message is quarantined, saying so. The error's
    // text may quote the content, so only its kind is kept, with its stack frames for the log.
    const fault = faultOf(error);
    return {
      reason: `${UNPROCESSABLE}: preparing the ledger entry failed (${fault.type})`,
      fault,
    };
  }
}

/** The quarantine reason's category for a message our own code failed on. */
export const UNPROCESSABLE = 'unprocessable';

function preparedEntryOf(
  value: Buffer | null,
  pseudonymKey: Buffer,
): { entry: PendingEntry } | { reason: string } {
  const decoded = decodeEventMessage(value);
  if (!decoded.ok) return { reason: decoded.reason };
  const event = pseudonymizeEvent(decoded.event, pseudonymKey);
  return {
    // The leaf data's template made here, outside the transaction and its lock.
    entry: prepareLeafData({
      source: event.source,
      id: event.id,
      type: event.type,
      time: event.time,
      subject: subjectOf(event),
      data: event.data,
      payloadDigest: createHash('sha256')
        .update(value ?? Buffer.alloc(0))
        .digest('hex'),
    }),
  };
}

/** The quarantine reason of an entry appendBatch refused as oversized. */
export function tooLargeReason(leafBytes: number): string {
  return `too_large: its ledger entry would be ${leafBytes} bytes of leaf data > ${MAX_ENTRY_LENGTH} (the most a C2SP entry bundle frames)`;
}

/** The quarantine reason's category for a record with too many headers. */
export const TOO_MANY_HEADERS = 'too_many_headers';

/**
 * Kafka headers a record may carry; one with more is quarantined without its value being
 * read. The ledger reads the value only (CONTRACT section 1: the event in JSON structured
 * mode); headers are a producer's tracing or routing, a handful a record (the CloudEvents
 * Kafka binding's binary mode, which the contract does not use, puts about ten attributes
 * there). 2,000 is the most header fields Node's HTTP server takes a request
 * (maxHeadersCount). The headers are never decoded (libs/kafka record-headers.ts).
 */
export const MAX_KAFKA_HEADERS = 2_000;

/** The quarantine reason of a record with more than MAX_KAFKA_HEADERS headers, else undefined. */
export function tooManyHeadersReason(headerCount: number): string | undefined {
  if (headerCount <= MAX_KAFKA_HEADERS) return undefined;
  return `${TOO_MANY_HEADERS}: the record carries ${headerCount} Kafka headers, more than ${MAX_KAFKA_HEADERS}; the ledger reads only the value, so send the event with fewer headers`;
}
