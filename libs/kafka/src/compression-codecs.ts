// The record-batch codecs, every one with a ceiling on what it decompresses. KafkaJS decodes
// gzip by itself (with no ceiling) and throws KafkaJSNotImplemented on a snappy, lz4 or zstd
// batch; Java clients and librdkafka write those whenever compression.type is set. A batch
// is the producer's: a few hundred KB can expand to gigabytes (a decompression bomb). KafkaJS
// keeps its codecs in one table per process, so registering here covers every client made.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { CompressionCodecs, CompressionTypes, KafkaJSPartialMessageError } from 'kafkajs';
import { compressFrame } from 'lz4-napi';
import { compress as snappyCompress } from 'snappyjs';
import { DecompressedPastLimit } from './decompressed-past-limit';
import {
  countRecords,
  currentFetchBudget,
  RECORD_OVERHEAD_BYTES,
  type FetchDecodeBudget,
} from './fetch-decode-budget';
import { gunzipAtMost, snappyAtMost } from './gzip-snappy-at-most';
import { decompressLz4FrameAtMost } from './lz4-frame';
import { decompressZstdAtMost } from './zstd-frame';

export type CompressionCodecName = 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** The cap when no consumer of ours set one (INGEST_MAX_DECOMPRESSED_BYTES's default). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 32 * 1024 * 1024;

/**
 * A record batch whose records were not decompressed: corrupt (or a codec variant the
 * library does not read), or decompressing past the cap. KafkaJS cannot skip a batch: its
 * partition waits at it.
 */
export class UndecodableBatchError extends Error {
  override readonly name = 'UndecodableBatchError';
  /** 'past_cap' when it decompresses to more than `cap` bytes; else 'corrupt'. */
  readonly reason: 'past_cap' | 'corrupt';
  // The library's error is kept in the message, not as `cause`: KafkaJS's retry errors take
  // the innermost cause, and this error is what callers look for.
  constructor(
    readonly codec: CompressionCodecName,
    readonly compressedBytes: number,
    failure: unknown,
    /** Bytes the batch could have decompressed to, and the setting that says so. */
    readonly cap: { bytes: number; name: string } = {
      bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
      name: 'maxDecompressedBytes',
    },
  ) {
    const pastCap = failure instanceof DecompressedPastLimit;
    super(
      pastCap
        ? `a ${codec} record batch (${compressedBytes} compressed bytes) is refused: ${failure.message}, the cap ${cap.name} sets (each record counting ${RECORD_OVERHEAD_BYTES} bytes more)`
        : `a ${codec} record batch (${compressedBytes} compressed bytes) cannot be decompressed: ${
            failure instanceof Error ? failure.message : String(failure)
          }`,
    );
    this.reason = pastCap ? 'past_cap' : 'corrupt';
  }
}

/** What KafkaJS calls: `compress` when producing, `decompress` when decoding a fetch. */
export interface RecordBatchCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** Each codec's decoder, stopping (DecompressedPastLimit) once its output passes `limit`. */
const DECOMPRESS_AT_MOST: Record<
  CompressionCodecName,
  (data: Buffer, limit: number) => Buffer | Promise<Buffer>
> = {
  gzip: gunzipAtMost,
  // Raw snappy, and the xerial framing the Java client writes (snappyjs).
  snappy: snappyAtMost,
  // Kafka's record batches (magic 2) hold a standard LZ4 frame (lz4-napi's block decoder).
  lz4: decompressLz4FrameAtMost,
  // fzstd, plain JavaScript: scantrail's producers do not compress with zstd.
  zstd: decompressZstdAtMost,
};

const gzipAsync = promisify(gzip);

const COMPRESS: Record<CompressionCodecName, (data: Buffer) => Promise<Buffer>> = {
  gzip: (data) => gzipAsync(data),
  snappy: (data) => Promise.resolve(snappyCompress(data)),
  lz4: (data) => compressFrame(data),
  zstd: () => Promise.reject(new Error('zstd compression is not supported: only decompression')),
};

/**
 * Batches this process refused, so that fetching one again (KafkaJS cannot skip it) costs a
 * digest, not its decompression: by codec, cap and SHA-256 of the compressed bytes.
 */
const refusedBatches = new Map<string, UndecodableBatchError>();
const REFUSED_BATCHES_KEPT = 64;

function rememberRefusal(key: string, error: UndecodableBatchError): void {
  refusedBatches.set(key, error);
  if (refusedBatches.size > REFUSED_BATCHES_KEPT) {
    refusedBatches.delete(refusedBatches.keys().next().value as string);
  }
}

/** `compressed` decompressed; its cost (bytes, and RECORD_OVERHEAD_BYTES a record) within `limit`. */
async function decompressWithin(
  codec: CompressionCodecName,
  compressed: Buffer,
  limit: number,
): Promise<{ records: Buffer; cost: number }> {
  const records = await DECOMPRESS_AT_MOST[codec](compressed, limit);
  const count = countRecords(records);
  const cost = records.length + count * RECORD_OVERHEAD_BYTES;
  if (cost > limit) {
    throw new DecompressedPastLimit(
      limit,
      `${records.length} bytes and ${count} records at ${RECORD_OVERHEAD_BYTES} bytes each`,
    );
  }
  return { records, cost };
}

/** KafkaJS's "partial message" error (its typings leave out the message it takes). */
const PartialMessage = KafkaJSPartialMessageError as unknown as new (message: string) => Error;

/**
 * Inside a fetch of our consumer: a batch over the cap, or corrupt, is refused without
 * failing the fetch. It is thrown as KafkaJS's "partial message" (what a fetch cut off by
 * its byte limit ends with): KafkaJS then keeps the records of that partition decoded
 * before it, drops the rest of that partition's answer and decodes the other partitions, so
 * they go on while the refused batch's partition is fetched from it again. The budget tells
 * the consumer, which reports it.
 */
async function refuse(budget: FetchDecodeBudget, error: UndecodableBatchError, first: boolean) {
  const pauseMs = budget.refuse({ error, first });
  // A refused batch comes back at once in every fetch: pace them like an idle poll.
  if (pauseMs > 0) await sleep(pauseMs);
  return new PartialMessage(`${error.message}; its partition waits at it`);
}

async function decompressBatch(codec: CompressionCodecName, compressed: Buffer): Promise<Buffer> {
  const budget = currentFetchBudget();
  if (budget === undefined) {
    // Not a fetch of our consumer (a bare KafkaJS client): the default cap, and the fetch fails.
    try {
      return (await decompressWithin(codec, compressed, DEFAULT_MAX_DECOMPRESSED_BYTES)).records;
    } catch (failure) {
      throw new UndecodableBatchError(codec, compressed.length, failure);
    }
  }
  const cap = { bytes: budget.limit, name: budget.limitName };
  const key = `${codec} ${cap.bytes} ${createHash('sha256').update(compressed).digest('hex')}`;
  const known = refusedBatches.get(key);
  if (known !== undefined) throw await refuse(budget, known, false);
  let decoded: { records: Buffer; cost: number };
  try {
    decoded = await decompressWithin(codec, compressed, cap.bytes);
  } catch (failure) {
    const error = new UndecodableBatchError(codec, compressed.length, failure, cap);
    rememberRefusal(key, error);
    throw await refuse(budget, error, true);
  }
  if (!budget.fits(decoded.cost)) {
    // Fits a fetch of its own, not this one: it waits for its partition's next fetch.
    throw new PartialMessage('the fetch has decompressed its budget');
  }
  budget.take(decoded.cost);
  return decoded.records;
}

/** `codec`, decompressing within the cap (see decompressBatch). */
export function recordBatchCodec(codec: CompressionCodecName): RecordBatchCodec {
  return {
    compress: (encoder) => COMPRESS[codec](encoder.buffer),
    decompress: (buffer) => decompressBatch(codec, buffer),
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

/** Puts gzip, snappy, lz4 and zstd in KafkaJS's codec table, once per process. */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.GZIP] = () => recordBatchCodec('gzip');
  CompressionCodecs[CompressionTypes.Snappy] = () => recordBatchCodec('snappy');
  CompressionCodecs[CompressionTypes.LZ4] = () => recordBatchCodec('lz4');
  CompressionCodecs[CompressionTypes.ZSTD] = () => recordBatchCodec('zstd');
}
