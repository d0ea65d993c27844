import { DecompressedPastLimit } from './decompressed-past-limit';
import { decompressZstdAtMost, zstdFrameHeaders } from './zstd-frame';

// `printf 'scantrail zstd vector: {"specversion":"1.0"}' | zstd -c`: window descriptor 0x58
// (2^21 + 0), no content size, a content checksum.
const STREAMED =
  '28b52ffd04586101007363616e747261696c207a73746420766563746f723a207b227370656376657273696f6e223a22312e30227d2bf308eb';
// RFC 8878's frame header fields, by hand: single segment with a 1-byte content size of 3,
// one raw block "abc" (header: last, raw, size 3).
const SINGLE_SEGMENT = '28b52ffd2003' + '190000' + '616263';
// A skippable frame (magic 0x184D2A5A, 2 bytes of user data) before SINGLE_SEGMENT.
const SKIPPABLE = '5a2a4d18' + '02000000' + 'beef';

describe('zstd frame headers (RFC 8878 section 3.1.1)', () => {
  it.each([
    ['a streamed frame from zstd', STREAMED, [{ windowSize: 2 ** 21 }]],
    ['a single-segment frame', SINGLE_SEGMENT, [{ windowSize: 3, contentSize: 3 }]],
    [
      'a skippable frame, then two frames',
      SKIPPABLE + SINGLE_SEGMENT + STREAMED,
      [{ windowSize: 3, contentSize: 3 }, { windowSize: 2 ** 21 }],
    ],
    // Window_Descriptor 0xa3: exponent 20, mantissa 3: 2^30 + 3 * 2^27.
    ['a window of 1.375 GiB', '28b52ffd00a3' + '230300' + '61', [{ windowSize: 1_476_395_008 }]],
    // Frame_Content_Size_Flag 3 (8 bytes), no single segment, window descriptor 0x00.
    [
      'an 8-byte content size',
      '28b52ffdc000' + '0000000001000000' + '230300' + '61',
      [{ windowSize: 1024, contentSize: 2 ** 32 }],
    ],
  ])('should read %s', (_name, hex, headers) => {
    expect(zstdFrameHeaders(Buffer.from(hex, 'hex'))).toEqual(headers);
  });

  it.each([
    ['a frame cut off in its block', STREAMED.slice(0, 40), /cut off/],
    ['a frame without its checksum', STREAMED.slice(0, -8), /cut off/],
    ['another magic number', 'ffb52ffd2003190000616263', /bad magic number/],
    ['the reserved header bit', '28b52ffd2803190000616263', /reserved bit/],
    ['a block of the reserved type', '28b52ffd2003' + '070000', /reserved type/],
  ])('should refuse %s', (_name, hex, problem) => {
    expect(() => zstdFrameHeaders(Buffer.from(hex, 'hex'))).toThrow(problem);
  });
});

// A 1 KiB window and three RLE blocks of 1,000 "x" each: 3,000 bytes out of 19.
const RLE_3000 = '28b52ffd0000' + '421f0078' + '421f0078' + '431f0078';

describe('decompressZstdAtMost', () => {
  it('should decompress every frame, skipping skippable ones', () => {
    const out = decompressZstdAtMost(
      Buffer.from(SKIPPABLE + SINGLE_SEGMENT + STREAMED, 'hex'),
      4 * 1024 * 1024,
    );
    expect(out.toString()).toBe('abcscantrail zstd vector: {"specversion":"1.0"}');
  });

  it('should stop when the output passes the limit', () => {
    expect(decompressZstdAtMost(Buffer.from(RLE_3000, 'hex'), 3000).toString()).toBe(
      'x'.repeat(3000),
    );
    expect(() => decompressZstdAtMost(Buffer.from(RLE_3000, 'hex'), 2999)).toThrow(
      new DecompressedPastLimit(2999),
    );
  });

  it('should refuse a frame whose window is larger than the limit before decoding it', () => {
    expect(() => decompressZstdAtMost(Buffer.from(STREAMED, 'hex'), 2 ** 21 - 1)).toThrow(
      'it decompresses past 2097151 bytes (its zstd frame asks a 2097152-byte window)',
    );
  });
});
