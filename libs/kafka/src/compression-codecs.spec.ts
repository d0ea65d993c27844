import { createGzip, gzipSync } from 'node:zlib';
import {
  CompressionCodecs,
  CompressionTypes,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSPartialMessageError,
} from 'kafkajs';
import { compressFrameSync } from 'lz4-napi';
import { compress as snappyCompress } from 'snappyjs';
import {
  recordBatchCodec,
  registerCompressionCodecs,
  undecodableBatchCause,
  UndecodableBatchError,
  type CompressionCodecName,
} from './compression-codecs';
import { FetchDecodeBudget, withFetchBudget } from './fetch-decode-budget';

const records = Buffer.from(
  JSON.stringify({ specversion: '1.0', id: 'evt-1', data: { x: 'y'.repeat(300) } }),
);

const MiB = 1024 * 1024;

/** The Java client's snappy: the xerial frame header, then length-prefixed snappy blocks. */
function xerialSnappy(blocks: Buffer[]): Buffer {
  const header = Buffer.from([130, 83, 78, 65, 80, 80, 89, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts: Buffer[] = [header];
  for (const block of blocks) {
    const compressed = snappyCompress(block);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(compressed.length);
    parts.push(length, compressed);
  }
  return Buffer.concat(parts);
}

const chunks = (payload: Buffer, size: number): Buffer[] =>
  Array.from({ length: Math.ceil(payload.length / size) }, (_, i) =>
    payload.subarray(i * size, (i + 1) * size),
  );

// `printf 'scantrail zstd vector: {"specversion":"1.0"}' | zstd -c`: a streamed frame, with
// no content size in its header, as zstd-jni's output stream in the Java client writes.
const ZSTD_STREAMED = Buffer.from(
  '28b52ffd04586101007363616e747261696c207a73746420766563746f723a207b227370656376657273696f6e223a22312e30227d2bf308eb',
  'hex',
);

/** LINKED_TEXT through `lz4 -BD -B4` (lz4 1.9.4): 64 KiB blocks, the second reaching into the first. */
const LZ4_LINKED = Buffer.from(
  '04224d1844405e4f010000ff14303030207363616e747261696c206c7a34206c696e6b656420766563746f727c30303120000c1f3220000c1f3320000c1f3420000c1f3520000c1f3620000c1f3720000c0f0001' +
    'ff'.repeat(255) +
    'e55063746f727c1b0000000f00ffffffffffffffffffffffffffffffffffff6950696c206c7a00000000c2a68b84',
  'hex',
);
const LINKED_TEXT = Buffer.from(
  Array.from({ length: 8 }, (_, i) => `${String(i).padStart(3, '0')} scantrail lz4 linked vector|`)
    .join('')
    .repeat(2000)
    .slice(0, 70_000),
);

/** A gzip stream of `bytes` zero bytes, made a MiB at a time (about 1 KB per MiB). */
async function gzipBomb(bytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(MiB);
  for (let written = 0; written < bytes; written += MiB) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(out);
}

/** An LZ4 frame of `blocks` independent blocks of 4 MiB of zeros (about 16 KB each). */
function lz4Bomb(blocks: number): Buffer {
  const frame = compressFrameSync(Buffer.alloc(4 * MiB));
  // Magic, FLG, BD, header checksum; then one block; then the EndMark.
  const header = frame.subarray(0, 7);
  const blockSize = frame.readUInt32LE(7) & 0x7fffffff;
  const block = frame.subarray(7, 7 + 4 + blockSize);
  return Buffer.concat([header, ...Array<Buffer>(blocks).fill(block), Buffer.alloc(4)]);
}

/** A zstd frame of `blocks` RLE blocks of 128 KiB each (4 bytes each on the wire). */
function zstdRleBomb(blocks: number): Buffer {
  // Magic; no single segment, no checksum, no dictionary, no content size; a 1 MiB window.
  const parts = [Buffer.from('28b52ffd0050', 'hex')];
  for (let i = 0; i < blocks; i++) {
    const header = (i === blocks - 1 ? 1 : 0) | (1 << 1) | ((128 * 1024) << 3);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x61]));
  }
  return Buffer.concat(parts);
}

/** Kafka's records, as a batch holds them decompressed: `count` records of no key or value. */
function emptyRecords(count: number): Buffer {
  // Length 6 (zigzag 12), attributes, timestamp delta, offset delta, key -1, value -1, 0 headers.
  const record = Buffer.from([12, 0, 0, 0, 1, 1, 0]);
  return Buffer.concat(Array<Buffer>(count).fill(record));
}

/** Runs `decode` as a fetch of our consumer would: inside its own budget. */
const inFetch = <T>(budget: FetchDecodeBudget, decode: () => Promise<T>): Promise<T> =>
  withFetchBudget(budget, decode);

/** One record of Kafka's format holding `value` (no key, no headers). */
function recordOf(value: Buffer): Buffer {
  const varint = (n: number): number[] => {
    const bytes: number[] = [];
    let zigzag = n >= 0 ? n * 2 : -n * 2 - 1;
    while (zigzag >= 0x80) {
      bytes.push((zigzag % 0x80) | 0x80);
      zigzag = Math.floor(zigzag / 0x80);
    }
    return [...bytes, zigzag];
  };
  const body = Buffer.concat([
    Buffer.from([0, 0, 0, ...varint(-1), ...varint(value.length)]),
    value,
    Buffer.from([0]),
  ]);
  return Buffer.concat([Buffer.from(varint(body.length)), body]);
}

const budgetOf = (limit: number, pauseMs = 0): FetchDecodeBudget =>
  new FetchDecodeBudget(limit, 'INGEST_MAX_DECOMPRESSED_BYTES', pauseMs);

describe('record batch codecs', () => {
  it('should decompress raw snappy and the xerial framing of the Java client', async () => {
    const codec = recordBatchCodec('snappy');
    expect(await codec.decompress(await codec.compress({ buffer: records }))).toEqual(records);
    expect(await codec.decompress(xerialSnappy(chunks(records, 100)))).toEqual(records);
  });

  it('should decompress an LZ4 frame', async () => {
    const codec = recordBatchCodec('lz4');
    expect(await codec.decompress(await codec.compress({ buffer: records }))).toEqual(records);
  });

  it('should decompress an LZ4 frame of linked blocks, each reaching into the one before', async () => {
    expect(await recordBatchCodec('lz4').decompress(LZ4_LINKED)).toEqual(LINKED_TEXT);
  });

  it('should decompress gzip', async () => {
    const codec = recordBatchCodec('gzip');
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

  it.each<CompressionCodecName>(['gzip', 'snappy', 'lz4', 'zstd'])(
    'should throw an UndecodableBatchError naming %s when the bytes are not of it',
    async (name) => {
      const garbage = Buffer.from('not compressed at all, but long enough to be read');
      const error = await recordBatchCodec(name)
        .decompress(garbage)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UndecodableBatchError);
      expect(error).toMatchObject({
        codec: name,
        compressedBytes: garbage.length,
        reason: 'corrupt',
      });
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

  it('should put the codecs, gzip too, in the table KafkaJS decodes fetches with', async () => {
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
    const bomb = gzipSync(Buffer.alloc(40 * MiB));
    await expect(table[CompressionTypes.GZIP]().decompress(bomb)).rejects.toMatchObject({
      name: 'UndecodableBatchError',
      reason: 'past_cap',
    });
  });
});

describe('record batch codecs: decompression bombs', () => {
  // Each bomb: what it expands to, and what on the wire. Their decoders must stop at the cap
  // (8 MiB here): the detail says whether a header gave them away before any output.
  const bombs: [string, CompressionCodecName, () => Promise<Buffer> | Buffer, RegExp][] = [
    ['256 MiB of gzip', 'gzip', () => gzipBomb(256 * MiB), /past 8388608 bytes, the cap/],
    [
      'a snappy length header of 2 GiB',
      'snappy',
      () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07, 0, 0x61]),
      /its snappy block says 2147483647 bytes/,
    ],
    [
      '40 xerial blocks of 1 MiB of snappy',
      'snappy',
      () => xerialSnappy(Array<Buffer>(40).fill(Buffer.alloc(MiB))),
      /its snappy block says 1048576 bytes after 8388608\)/,
    ],
    ['400 MiB of LZ4 blocks', 'lz4', () => lz4Bomb(100), /past 8388608 bytes, the cap/],
    [
      'an LZ4 frame saying 1 TiB',
      'lz4',
      () => Buffer.from('04224d186c70' + '0000000000010000' + '00' + '00000000', 'hex'),
      /its LZ4 frame says 1099511627776 bytes/,
    ],
    ['1 GiB of zstd RLE blocks', 'zstd', () => zstdRleBomb(8192), /past 8388608 bytes, the cap/],
    [
      'a zstd frame asking a 1 GiB window',
      'zstd',
      () => Buffer.from('28b52ffd00a023030061', 'hex'),
      /its zstd frame asks a 1073741824-byte window/,
    ],
    [
      'a zstd frame saying 2 GiB',
      'zstd',
      () => Buffer.from('28b52ffda000000080230300' + '61', 'hex'),
      /its zstd frame says 2147483648 bytes/,
    ],
    [
      '500,000 records of 7 bytes in gzip',
      'gzip',
      () => gzipSync(emptyRecords(500_000)),
      /\(3500000 bytes and 500000 records at 512 bytes each\)/,
    ],
  ];

  it.each(bombs)(
    'should refuse %s past the cap, stopping early and naming the codec, the cap and its setting',
    async (_name, codec, make, detail) => {
      const bomb = await make();
      const budget = budgetOf(8 * MiB);
      const before = process.memoryUsage().arrayBuffers;
      const thrown = await inFetch(budget, () => recordBatchCodec(codec).decompress(bomb)).catch(
        (e: unknown) => e,
      );
      // Nothing of the bomb's expansion is kept (the cap is 8 MiB; the bombs 40 MiB to 1 TiB).
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * MiB);
      // KafkaJS's "partial message": the fetch goes on without this partition's rest.
      expect(thrown).toBeInstanceOf(KafkaJSPartialMessageError);
      expect(budget.refusals).toHaveLength(1);
      const { error, first } = budget.refusals[0];
      expect({ codec: error.codec, reason: error.reason, first }).toEqual({
        codec,
        reason: 'past_cap',
        first: true,
      });
      expect(error.message).toMatch(
        new RegExp(
          `^a ${codec} record batch \\(${bomb.length} compressed bytes\\) is refused: it decompresses past 8388608 bytes.*, the cap INGEST_MAX_DECOMPRESSED_BYTES sets \\(each record counting 512 bytes more\\)$`,
        ),
      );
      expect(error.message).toMatch(detail);
    },
    30_000,
  );

  it('should refuse a batch again without decompressing it, pausing the fetch once', async () => {
    const bomb = await gzipBomb(64 * MiB);
    const codec = recordBatchCodec('gzip');
    const first = budgetOf(8 * MiB);
    await inFetch(first, () => codec.decompress(bomb)).catch(() => undefined);

    // The next fetch meets it again, and a second bomb (another partition), with a 1 s pause.
    const again = budgetOf(8 * MiB, 1_000);
    const pauses: number[] = [];
    const refuse = again.refuse.bind(again);
    again.refuse = (refusal) => {
      const pause = refuse(refusal);
      pauses.push(pause);
      return pause;
    };
    const other = await gzipBomb(65 * MiB);
    const started = performance.now();
    await inFetch(again, async () => {
      await codec.decompress(bomb).catch(() => undefined);
      await codec.decompress(other).catch(() => undefined);
    });
    const elapsed = performance.now() - started;
    expect(
      again.refusals.map((r) => ({ first: r.first, same: r.error === first.refusals[0].error })),
    ).toEqual([
      { first: false, same: true },
      { first: true, same: false },
    ]);
    // One pause for the fetch, not one per refused batch: asked once, and taken once. The
    // pause is long beside decoding the second bomb to the cap (50 ms on a quiet machine,
    // 240 ms with two cores loaded: the 200 ms pause of before failed an upper bound of
    // 395 ms once in CI), so a second pause would show whatever the load.
    expect(pauses).toEqual([1_000, 0]);
    expect(elapsed).toBeGreaterThanOrEqual(995);
    expect(elapsed).toBeLessThan(1_995);
  });

  it('should hand a fetch batches up to its budget, then leave the next for a later fetch', async () => {
    const codec = recordBatchCodec('gzip');
    const record = recordOf(Buffer.alloc(5 * MiB, 'x'));
    const fiveMiB = gzipSync(record);
    const budget = budgetOf(8 * MiB);
    const outcomes = await inFetch(budget, async () => [
      (await codec.decompress(fiveMiB)).length,
      await codec.decompress(fiveMiB).catch((e: unknown) => (e as Error).name),
    ]);
    // The second does not fit what is left (3 MiB): "partial" for KafkaJS, no refusal.
    expect(outcomes).toEqual([record.length, 'KafkaJSPartialMessageError']);
    expect(budget.refusals).toEqual([]);
    // In a fetch of its own, it is decoded.
    expect((await inFetch(budgetOf(8 * MiB), () => codec.decompress(fiveMiB))).length).toBe(
      record.length,
    );
  });

  it('should fail the fetch, as before, when no consumer of ours set a budget (a bare KafkaJS client)', async () => {
    const bomb = await gzipBomb(64 * MiB);
    const error = await recordBatchCodec('gzip')
      .decompress(bomb)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UndecodableBatchError);
    expect((error as Error).message).toMatch(
      /is refused: it decompresses past 33554432 bytes, the cap maxDecompressedBytes sets/,
    );
  });
});
