import { compressFrameSync } from 'lz4-napi';
import { DecompressedPastLimit } from './decompressed-past-limit';
import { decompressLz4FrameAtMost } from './lz4-frame';

// Frames by hand (LZ4 Frame Format 1.6.x): magic, FLG (version 01, independent blocks), BD
// (64 KiB blocks), a header checksum byte (not checked), blocks, the EndMark.
const HEADER = '04224d18' + '60' + '40' + '82';
/** One block of "abc" stored as it is (its size's high bit set). */
const STORED_ABC = '03000080' + '616263';
const END = '00000000';

describe('LZ4 frames, decoded block by block', () => {
  it('should decode stored blocks, several frames and a skippable frame', () => {
    const frames =
      HEADER + STORED_ABC + END + '502a4d18' + '01000000' + 'ff' + HEADER + STORED_ABC + END;
    expect(decompressLz4FrameAtMost(Buffer.from(frames, 'hex'), 100).toString()).toBe('abcabc');
  });

  it("should decode lz4-napi's own frames, with their checksums", () => {
    const text = Buffer.from('scantrail lz4 frame '.repeat(10_000));
    const frame = compressFrameSync(text, { blockChecksums: true, contentChecksum: true });
    expect(decompressLz4FrameAtMost(frame, text.length)).toEqual(text);
  });

  it('should stop once the output passes the limit', () => {
    const frame = Buffer.from(HEADER + STORED_ABC + STORED_ABC + END, 'hex');
    expect(() => decompressLz4FrameAtMost(frame, 5)).toThrow(new DecompressedPastLimit(5));
  });

  it.each([
    ['another magic number', '05224d18604082' + END, /bad magic number/],
    ['a frame cut off', HEADER + '03000080' + '61', /cut off/],
    ['a frame without its EndMark', HEADER + STORED_ABC, /cut off/],
    ['version 2', '04224d18' + 'a0' + '40' + '82' + END, /version 2 is not known/],
    ['a reserved block size', '04224d18' + '60' + '30' + '82' + END, /reserved block size/],
    ['a dictionary id', '04224d18' + '61' + '40' + '00000000' + '82' + END, /dictionary/],
    ['a block over the frame maximum', HEADER + '01000100' + END, /larger than its frame allows/],
  ])('should refuse %s', (_name, hex, problem) => {
    expect(() => decompressLz4FrameAtMost(Buffer.from(hex, 'hex'), 1024)).toThrow(problem);
  });
});
