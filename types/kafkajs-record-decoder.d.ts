// KafkaJS ships no typings for its protocol modules. These are the parts libs/kafka uses to
// check, at start, that its record decoder is the one patches/kafkajs+2.2.4.patch makes.
declare module 'kafkajs/src/protocol/decoder' {
  class Decoder {
    constructor(buffer: Buffer);
  }
  export = Decoder;
}

declare module 'kafkajs/src/protocol/recordBatch/record/v0/decoder' {
  import type Decoder from 'kafkajs/src/protocol/decoder';
  interface DecodedRecord {
    key: Buffer | null;
    value: Buffer | null;
    offset: string;
    headers: Record<string, Buffer | null | (Buffer | null)[]>;
    /** Set by the patch: the record's header count, read without decoding them. */
    headerCount?: number;
  }
  function decodeRecord(
    decoder: Decoder,
    batchContext?: { firstOffset?: string; firstTimestamp?: string; magicByte?: number },
  ): DecodedRecord;
  export = decodeRecord;
}
