// zstd with a ceiling. fzstd allocates each frame's window (up to 2 GB, as the frame header
// asks) before it writes a byte, and gathers the whole output; a few bytes of header can
// claim gigabytes. So the frames' headers are read first (RFC 8878 section 3.1), and the
// output is counted block by block as fzstd's stream decoder hands it over.
import { Decompress } from 'fzstd';
import { DecompressedPastLimit } from './decompressed-past-limit';

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames: magic 0x184D2A50 to 0x184D2A5F, a 4-byte size, then that many bytes. */
const SKIPPABLE_MAGIC = 0x184d2a50;

export interface ZstdFrameHeader {
  /** The memory the decoder keeps for back references (Window_Size). */
  windowSize: number;
  /** Frame_Content_Size, when the header gives it. */
  contentSize?: number;
}

/**
 * The header of every frame of `data`, walking the block headers to find where each frame
 * ends (skippable frames left out); throws when the frames do not add up to `data`.
 */
export function zstdFrameHeaders(data: Uint8Array): ZstdFrameHeader[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frames: ZstdFrameHeader[] = [];
  let at = 0;
  const need = (bytes: number): void => {
    if (at + bytes > data.length) throw new Error('the zstd frame is cut off');
  };
  while (at < data.length) {
    need(4);
    const magic = view.getUint32(at, true);
    at += 4;
    if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
      need(4);
      at += 4 + view.getUint32(at, true);
      need(0);
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new Error('not a zstd frame (bad magic number)');
    need(1);
    const descriptor = data[at++];
    if (descriptor & 0x08) throw new Error('a zstd frame header with its reserved bit set');
    const singleSegment = (descriptor & 0x20) !== 0;
    const checksum = (descriptor & 0x04) !== 0;
    const dictionaryIdBytes = [0, 1, 2, 4][descriptor & 0x03];
    const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >> 6];
    let windowSize = 0;
    if (!singleSegment) {
      need(1);
      const windowDescriptor = data[at++];
      const base = 2 ** (10 + (windowDescriptor >> 3));
      windowSize = base + (base / 8) * (windowDescriptor & 0x07);
    }
    need(dictionaryIdBytes + contentSizeBytes);
    at += dictionaryIdBytes;
    let contentSize: number | undefined;
    if (contentSizeBytes === 1) contentSize = data[at];
    if (contentSizeBytes === 2) contentSize = view.getUint16(at, true) + 256;
    if (contentSizeBytes === 4) contentSize = view.getUint32(at, true);
    if (contentSizeBytes === 8) contentSize = Number(view.getBigUint64(at, true));
    at += contentSizeBytes;
    if (singleSegment) windowSize = contentSize ?? 0;
    for (let last = false; !last;) {
      need(3);
      const header = data[at] | (data[at + 1] << 8) | (data[at + 2] << 16);
      at += 3;
      last = (header & 1) === 1;
      const type = (header >> 1) & 3;
      if (type === 3) throw new Error('a zstd block of the reserved type');
      // An RLE block holds one byte, repeated Block_Size times.
      const stored = type === 1 ? 1 : header >>> 3;
      need(stored);
      at += stored;
    }
    if (checksum) {
      need(4);
      at += 4;
    }
    frames.push(contentSize === undefined ? { windowSize } : { windowSize, contentSize });
  }
  return frames;
}

/**
 * `data` (zstd frames) decompressed, or DecompressedPastLimit as soon as the output (or a
 * frame's declared content size or window) passes `limit` bytes.
 */
export function decompressZstdAtMost(data: Uint8Array, limit: number): Buffer {
  for (const frame of zstdFrameHeaders(data)) {
    if (frame.contentSize !== undefined && frame.contentSize > limit) {
      throw new DecompressedPastLimit(limit, `its zstd frame says ${frame.contentSize} bytes`);
    }
    if (frame.windowSize > limit) {
      throw new DecompressedPastLimit(
        limit,
        `its zstd frame asks a ${frame.windowSize}-byte window`,
      );
    }
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  const stream = new Decompress((chunk) => {
    total += chunk.length;
    // Thrown out of push(): fzstd stops there.
    if (total > limit) throw new DecompressedPastLimit(limit);
    parts.push(chunk);
  });
  stream.push(data, true);
  return Buffer.concat(parts, total);
}
