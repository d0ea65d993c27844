import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  MAX_HEADER_BYTES,
  type Part10Header,
  Part10ReadError,
  readPart10Header,
} from './part10-header.reader';

export { MAX_HEADER_BYTES };

/** First read: most headers are a few kilobytes. Doubled until the header fits. */
const FIRST_READ_BYTES = 64 * 1024;

/**
 * Reads the header of a Part 10 file on disk without reading its pixel data: a 500 MB file
 * costs the first few dozen kilobytes. Deflated files are read whole (up to the limit),
 * since their header cannot be found without inflating from the start.
 *
 * The reads are synchronous on purpose: one 64 KiB read of a local file takes microseconds,
 * while a promise-based file handle (open, read, stat, close through the thread pool) cost
 * about as much CPU as parsing the header (bench:inspect); the result is still a promise so
 * that callers do not depend on that.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- a promise by contract (above)
export async function readPart10File(path: string): Promise<Part10Header> {
  return readHeaderOf(path);
}

function readHeaderOf(path: string): Part10Header {
  const fd = openSync(path, 'r');
  try {
    let length = FIRST_READ_BYTES;
    for (;;) {
      const bytes = Buffer.allocUnsafe(length);
      const bytesRead = readSync(fd, bytes, 0, length, 0);
      const prefix = new Uint8Array(bytes.buffer, bytes.byteOffset, bytesRead);
      // A short read is the whole file; a full one may be a prefix (the size is asked only
      // when a prefix was not enough, which a header that reaches Pixel Data never needs).
      let complete = bytesRead < length;
      try {
        return readPart10Header(prefix, complete);
      } catch (error) {
        const retryable =
          error instanceof Part10ReadError &&
          error.failure !== 'NOT_DICOM' &&
          error.failure !== 'HEADER_TOO_LARGE';
        if (!retryable || complete) throw error;
        complete = fstatSync(fd).size <= bytesRead;
        // The file is exactly this long: judge it as a whole file.
        if (complete) return readPart10Header(prefix, true);
      }
      if (length >= MAX_HEADER_BYTES) {
        throw new Part10ReadError(
          'HEADER_TOO_LARGE',
          `no Pixel Data within the first ${MAX_HEADER_BYTES / 1024 / 1024} MiB`,
        );
      }
      length = Math.min(length * 2, MAX_HEADER_BYTES);
    }
  } finally {
    closeSync(fd);
  }
}
