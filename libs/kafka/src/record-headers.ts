// How many Kafka headers a record carries, told without decoding them. KafkaJS 2.2.4 folded
// a record's headers into an object with an object spread per header, quadratic in their
// number: 40,000 headers held the consumer's thread 263 s inside a fetch, and every
// partition and /health with it. patches/kafkajs+2.2.4.patch (applied by the postinstall of
// `npm ci`) decodes them on first use, in one pass, and sets `headerCount`; the ingest never
// reads them, so no header object is made.
import type { KafkaMessage } from 'kafkajs';
import Decoder from 'kafkajs/src/protocol/decoder';
import decodeRecord from 'kafkajs/src/protocol/recordBatch/record/v0/decoder';

/** The headers of a record as KafkaJS decoded it; 0 for a message of the old message sets. */
export function headerCountOf(message: KafkaMessage): number {
  const count = (message as { headerCount?: unknown }).headerCount;
  return typeof count === 'number' ? count : 0;
}

/**
 * A record (after its length) with key and value null and one header `a: b`: attributes,
 * timestamp delta, offset delta, key -1, value -1, one header, `a`, `b` (zigzag varints).
 */
const ONE_HEADER_RECORD = Buffer.from([0, 0, 0, 1, 1, 2, 2, 0x61, 2, 0x62]);

/**
 * Throws unless KafkaJS's record decoder is the patched one: installed without its
 * postinstall (`npm ci --ignore-scripts`), or a KafkaJS other than 2.2.4, a record with tens
 * of thousands of headers would stall every partition again.
 */
export function assertPatchedRecordDecoder(): void {
  const record = decodeRecord(new Decoder(ONE_HEADER_RECORD), {
    firstOffset: '0',
    firstTimestamp: '0',
  });
  const lazy = Object.getOwnPropertyDescriptor(record, 'headers')?.get !== undefined;
  if (record.headerCount !== 1 || !lazy || String(record.headers.a) !== 'b') {
    throw new Error(
      "KafkaJS's record decoder is not the one patches/kafkajs+2.2.4.patch makes: one record with tens of thousands of headers would hold the consumer for minutes. Install with `npm ci` (its postinstall applies the patch), not --ignore-scripts, and keep kafkajs at 2.2.4",
    );
  }
}
