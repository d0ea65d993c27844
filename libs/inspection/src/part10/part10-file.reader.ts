import { open } from 'node:fs/promises';
import { type Part10Header, Part10ReadError, readPart10Header } from './part10-header.reader';

/** First read: most headers are a few kilobytes. Doubled until the header fits. */
const FIRST_READ_BYTES = 64 * 1024;
/** A header larger than this is refused rather than read into memory. */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/**
 * Reads the header of a Part 10 file on disk without reading its pixel data: a 500 MB file
 * costs the first few dozen kilobytes. Deflated files are read whole (up to the limit),
 * since their header cannot be found without inflating from the start.
 */
export async function readPart10File(path: string): Promise<Part10Header> {
  const handle = await open(path, 'r');
  try {
    let length = FIRST_READ_BYTES;
    let size: number | undefined;
    for (;;) {
      const bytes = new Uint8Array(length);
      const { bytesRead } = await handle.read(bytes, 0, length, 0);
      // A short read is the whole file; a full one may be a prefix.
      const complete = bytesRead < length || (size ??= (await handle.stat()).size) <= bytesRead;
      try {
        return readPart10Header(bytes.subarray(0, bytesRead), complete);
      } catch (error) {
        // A prefix that stops inside the header fails in several ways; read more and retry.
        const retry =
          error instanceof Part10ReadError && error.failure !== 'NOT_DICOM' && !complete;
        if (!retry) throw error;
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
    await handle.close();
  }
}
