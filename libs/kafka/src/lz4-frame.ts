// LZ4 frames with a ceiling. lz4-napi's decompressFrame reads a frame to its end whatever it
// holds (LZ4 reaches about 255:1), so the frame is walked here (the LZ4 Frame Format 1.6.x)
// and each block decoded alone by lz4-napi's block decoder, into at most the block size the
// frame declares (4 MiB at most), stopping once the output passes the limit.
import { uncompressSync } from 'lz4-napi';
import { DecompressedPastLimit } from './decompressed-past-limit';

const FRAME_MAGIC = 0x184d2204;
/** Skippable frames: magic 0x184D2A50 to 0x184D2A5F, a 4-byte size, then that many bytes. */
const SKIPPABLE_MAGIC = 0x184d2a50;
/** Block Maximum Size by its BD code; codes 0 to 3 are reserved. */
const BLOCK_MAX_SIZES: Readonly<Record<number, number>> = {
  4: 64 * 1024,
  5: 256 * 1024,
  6: 1024 * 1024,
  7: 4 * 1024 * 1024,
};
/** How far back a block of a linked frame may reach into what came before it. */
const LINKED_WINDOW = 64 * 1024;

/** lz4-napi's block format: the most bytes the block may decode to, then the block. */
function sizePrefixed(block: Uint8Array, maxSize: number): Buffer {
  const prefixed = Buffer.allocUnsafe(4 + block.length);
  prefixed.writeUInt32LE(maxSize, 0);
  prefixed.set(block, 4);
  return prefixed;
}

/**
 * `data` (LZ4 frames) decompressed, or DecompressedPastLimit once the output (or a frame's
 * declared content size) passes `limit` bytes; other errors for what is not LZ4.
 */
export function decompressLz4FrameAtMost(data: Buffer, limit: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let at = 0;
  const need = (bytes: number): void => {
    if (at + bytes > data.length) throw new Error('the LZ4 frame is cut off');
  };
  while (at < data.length) {
    need(4);
    const magic = data.readUInt32LE(at);
    at += 4;
    if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
      need(4);
      at += 4 + data.readUInt32LE(at);
      need(0);
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new Error('not an LZ4 frame (bad magic number)');
    need(2);
    const flags = data[at];
    const blockMaxSize = BLOCK_MAX_SIZES[(data[at + 1] >> 4) & 0x07];
    at += 2;
    if (flags >> 6 !== 1) throw new Error(`LZ4 frame version ${flags >> 6} is not known`);
    if (blockMaxSize === undefined) throw new Error('an LZ4 frame with a reserved block size');
    if (flags & 0x01) throw new Error('an LZ4 frame that needs a dictionary');
    const independent = (flags & 0x20) !== 0;
    const blockChecksums = (flags & 0x10) !== 0;
    const contentChecksum = (flags & 0x04) !== 0;
    if (flags & 0x08) {
      need(8);
      const contentSize = data.readBigUInt64LE(at);
      at += 8;
      if (contentSize > BigInt(limit - total)) {
        throw new DecompressedPastLimit(limit, `its LZ4 frame says ${contentSize} bytes`);
      }
    }
    need(1);
    at += 1; // header checksum
    let window: Buffer | undefined;
    for (;;) {
      need(4);
      const word = data.readUInt32LE(at);
      at += 4;
      if (word === 0) break; // EndMark
      const size = word & 0x7fffffff;
      if (size > blockMaxSize) throw new Error('an LZ4 block larger than its frame allows');
      need(size);
      const block = data.subarray(at, at + size);
      at += size;
      if (blockChecksums) {
        need(4);
        at += 4;
      }
      const output =
        word >>> 31 === 1
          ? block // stored uncompressed
          : uncompressSync(sizePrefixed(block, blockMaxSize), independent ? undefined : window);
      total += output.length;
      if (total > limit) throw new DecompressedPastLimit(limit);
      parts.push(output);
      if (!independent) {
        const joined = window === undefined ? output : Buffer.concat([window, output]);
        window = joined.subarray(Math.max(0, joined.length - LINKED_WINDOW));
      }
    }
    if (contentChecksum) {
      need(4);
      at += 4;
    }
  }
  return Buffer.concat(parts, total);
}
