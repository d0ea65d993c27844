// gzip and snappy with a ceiling. KafkaJS's own gzip codec inflates whatever it is given
// (about 1000:1), and snappy states its output length up front (a 6-byte batch can ask for
// 2 GB, which snappyjs allocates and zero-fills).
import { promisify } from 'node:util';
import { unzip } from 'node:zlib';
import { uncompress as snappyUncompress } from 'snappyjs';
import { DecompressedPastLimit } from './decompressed-past-limit';

const unzipAsync = promisify(unzip);

/** `data` (gzip or zlib) inflated, or DecompressedPastLimit as soon as it passes `limit`. */
export async function gunzipAtMost(data: Buffer, limit: number): Promise<Buffer> {
  try {
    // zlib stops inflating once the output passes maxOutputLength.
    return await unzipAsync(data, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DecompressedPastLimit(limit);
    }
    throw error;
  }
}

/** The xerial framing the Java client writes: magic, version and compatible version. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

/** A raw snappy block's preamble: its output length, a little-endian base-128 varint. */
function snappyLength(block: Uint8Array): number {
  let length = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    length += (block[i] & 0x7f) * 2 ** (7 * i);
    if (block[i] < 0x80) return length;
  }
  throw new Error('not a snappy block (bad length preamble)');
}

/** A raw snappy block, when its output fits in `limit` after `before` bytes already out. */
function rawSnappyAtMost(block: Buffer, limit: number, before = 0): Buffer {
  const length = snappyLength(block);
  if (before + length > limit) {
    const after = before === 0 ? '' : ` after ${before}`;
    throw new DecompressedPastLimit(limit, `its snappy block says ${length} bytes${after}`);
  }
  return snappyUncompress(block, limit - before);
}

/** Raw snappy, or the Java client's xerial frames of it, within `limit` bytes of output. */
export function snappyAtMost(data: Buffer, limit: number): Buffer {
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return rawSnappyAtMost(data, limit);
  }
  const parts: Buffer[] = [];
  let total = 0;
  for (let at = XERIAL_HEADER_BYTES; at < data.length;) {
    if (at + 4 > data.length) throw new Error('a xerial snappy block is cut off');
    const size = data.readUInt32BE(at);
    at += 4;
    if (at + size > data.length) throw new Error('a xerial snappy block is cut off');
    const part = rawSnappyAtMost(data.subarray(at, at + size), limit, total);
    at += size;
    total += part.length;
    parts.push(part);
  }
  return Buffer.concat(parts, total);
}
