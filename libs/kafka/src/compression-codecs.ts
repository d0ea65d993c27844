// The record-batch codecs KafkaJS lacks. KafkaJS decodes gzip by itself and throws
// KafkaJSNotImplemented on a snappy, lz4 or zstd batch while decoding a whole fetch
// response, which crashed the consumer on every fetch of a partition holding one: Java
// clients and librdkafka write such batches whenever compression.type is set. KafkaJS keeps
// its codecs in one table per process, so registering here covers every client made.
import { decompress as zstdDecompress } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import snappyCodec from 'kafkajs-snappy';
import { compressFrame, decompressFrame } from 'lz4-napi';

export type CompressionCodecName = 'snappy' | 'lz4' | 'zstd';

/**
 * A record batch whose records could not be decompressed (corrupt, or a codec variant the
 * library does not read). KafkaJS cannot skip a batch it cannot decode: the fetch that holds
 * it fails, and so does every retry of it.
 */
export class UndecodableBatchError extends Error {
  override readonly name = 'UndecodableBatchError';
  // The library's error is kept in the message, not as `cause`: KafkaJS's retry errors take
  // the innermost cause, and this error is what callers look for.
  constructor(
    readonly codec: CompressionCodecName,
    readonly compressedBytes: number,
    failure: unknown,
  ) {
    super(
      `a ${codec} record batch (${compressedBytes} compressed bytes) cannot be decompressed: ${
        failure instanceof Error ? failure.message : String(failure)
      }`,
    );
  }
}

/** What KafkaJS calls: `compress` when producing, `decompress` when decoding a fetch. */
export interface RecordBatchCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const snappy = snappyCodec();

const CODECS: Record<CompressionCodecName, RecordBatchCodec> = {
  // Raw snappy, and the xerial framing the Java client writes.
  snappy,
  // Kafka's record batches (magic 2) hold a standard LZ4 frame.
  lz4: {
    compress: (encoder) => compressFrame(encoder.buffer),
    decompress: (buffer) => decompressFrame(buffer),
  },
  // A decoder only: scantrail's producers do not compress, and fzstd is plain JavaScript.
  zstd: {
    compress: () =>
      Promise.reject(new Error('zstd compression is not supported: only decompression')),
    decompress: (buffer) => Promise.resolve(Buffer.from(zstdDecompress(buffer))),
  },
};

/** `codec`, with a decompression failure turned into an UndecodableBatchError. */
export function recordBatchCodec(codec: CompressionCodecName): RecordBatchCodec {
  const inner = CODECS[codec];
  return {
    compress: (encoder) => inner.compress(encoder),
    decompress: async (buffer) => {
      try {
        return await inner.decompress(buffer);
      } catch (error) {
        throw new UndecodableBatchError(codec, buffer.length, error);
      }
    },
  };
}

/** The UndecodableBatchError behind `error` (KafkaJS wraps it in its retry errors), if any. */
export function undecodableBatchCause(error: unknown): UndecodableBatchError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; depth++) {
    if (e instanceof UndecodableBatchError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

let registered = false;

/** Registers snappy, lz4 and zstd in KafkaJS's codec table, once per process. */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.Snappy] = () => recordBatchCodec('snappy');
  CompressionCodecs[CompressionTypes.LZ4] = () => recordBatchCodec('lz4');
  CompressionCodecs[CompressionTypes.ZSTD] = () => recordBatchCodec('zstd');
}
