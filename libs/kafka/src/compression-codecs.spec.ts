import { CompressionCodecs, CompressionTypes, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import {
  recordBatchCodec,
  registerCompressionCodecs,
  undecodableBatchCause,
  UndecodableBatchError,
  type CompressionCodecName,
} from './compression-codecs';

const records = Buffer.from(
  JSON.stringify({ specversion: '1.0', id: 'evt-1', data: { x: 'y'.repeat(300) } }),
);

/** The Java client's snappy: the xerial frame header, then length-prefixed snappy blocks. */
async function xerialSnappy(payload: Buffer, blockSize: number): Promise<Buffer> {
  const header = Buffer.from([130, 83, 78, 65, 80, 80, 89, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts: Buffer[] = [header];
  for (let at = 0; at < payload.length; at += blockSize) {
    const block = await recordBatchCodec('snappy').compress({
      buffer: payload.subarray(at, at + blockSize),
    });
    const length = Buffer.alloc(4);
    length.writeUInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

// `printf 'scantrail zstd vector: {"specversion":"1.0"}' | zstd -c`: a streamed frame, with
// no content size in its header, as zstd-jni's output stream in the Java client writes.
const ZSTD_STREAMED = Buffer.from(
  '28b52ffd04586101007363616e747261696c207a73746420766563746f723a207b227370656376657273696f6e223a22312e30227d2bf308eb',
  'hex',
);

describe('record batch codecs', () => {
  it('should decompress raw snappy and the xerial framing of the Java client', async () => {
    const codec = recordBatchCodec('snappy');
    expect(await codec.decompress(await codec.compress({ buffer: records }))).toEqual(records);
    expect(await codec.decompress(await xerialSnappy(records, 100))).toEqual(records);
  });

  it('should decompress an LZ4 frame', async () => {
    const codec = recordBatchCodec('lz4');
    expect(await codec.decompress(await codec.compress({ buffer: records }))).toEqual(records);
  });

  it('should decompress a zstd frame without a content size', async () => {
    const decompressed = await recordBatchCodec('zstd').decompress(ZSTD_STREAMED);
    expect(decompressed.toString()).toBe('scantrail zstd vector: {"specversion":"1.0"}');
  });

  it('should refuse to compress zstd, which it only reads', async () => {
    await expect(recordBatchCodec('zstd').compress({ buffer: records })).rejects.toThrow(
      /only decompression/,
    );
  });

  it.each<CompressionCodecName>(['snappy', 'lz4', 'zstd'])(
    'should throw an UndecodableBatchError naming %s when the bytes are not of it',
    async (name) => {
      const garbage = Buffer.from('not compressed at all, but long enough to be read');
      const error = await recordBatchCodec(name)
        .decompress(garbage)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UndecodableBatchError);
      expect(error).toMatchObject({ codec: name, compressedBytes: garbage.length });
      expect((error as Error).message).toMatch(
        new RegExp(
          `^a ${name} record batch \\(${garbage.length} compressed bytes\\) cannot be decompressed: \\S`,
        ),
      );
    },
  );

  it('should find the UndecodableBatchError behind the error KafkaJS crashes with after its retries', () => {
    const undecodable = new UndecodableBatchError('lz4', 10, new Error('WrongMagicNumber'));
    // As KafkaJS's retrier builds it (its typings leave `cause` out of the metadata).
    const metadata = { retryCount: 8, retryTime: 5_000, cause: undecodable };
    const crash = new KafkaJSNumberOfRetriesExceeded(undecodable, metadata);
    expect(undecodableBatchCause(crash)).toBe(undecodable);
    expect(undecodableBatchCause(new Error('Connection closed'))).toBeUndefined();
    expect(undecodableBatchCause('not an error')).toBeUndefined();
  });

  it('should put the codecs in the table KafkaJS decodes fetches with', async () => {
    registerCompressionCodecs();
    const table = CompressionCodecs as Record<
      number,
      () => { decompress(b: Buffer): Promise<Buffer> }
    >;
    expect((await table[CompressionTypes.ZSTD]().decompress(ZSTD_STREAMED)).length).toBe(44);
    await expect(
      table[CompressionTypes.Snappy]().decompress(
        Buffer.from('not snappy, long enough to be read'),
      ),
    ).rejects.toThrow(UndecodableBatchError);
  });
});
