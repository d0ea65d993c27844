import { endianness } from 'node:os';

/** Code units read back at most this many at a time on a big-endian host. */
const CHUNK = 8192;
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The string of these UTF-16 code units, exactly (a lone surrogate stays one, as Node's
 * utf16le keeps it and TextDecoder does not). A value may hold megabytes: one copy where the
 * array's own byte order is little-endian (16 MB in about 15 ms), chunks of String.fromCharCode
 * elsewhere (about 25 times as long).
 */
export function stringOfCodeUnits(units: Uint16Array): string {
  if (LITTLE_ENDIAN) {
    return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le');
  }
  let text = '';
  for (let from = 0; from < units.length; from += CHUNK) {
    text += String.fromCharCode(...units.subarray(from, Math.min(units.length, from + CHUNK)));
  }
  return text;
}
