import { open } from 'node:fs/promises';
import { type Part10Header, Part10ReadError, readPart10Header } from './part10-header.reader';

/** First read; doubled until the header (everything before Pixel Data) fits. */
const FIRST_READ_BYTES = 256 * 1024;
/** A header larger than this is refused rather than read into memory. */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/**
 * Reads the header of a Part 10 file on disk without reading its pixel data: a 500 MB file
 * costs the first few hundred kilobytes. Deflated files are read whole (up to the limit),
 * since their header cannot be found without inflating from the start.
 */
export async function readPart10File(path: string): Promise<Part10Header> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    let length = Math.min(size, FIRST_READ_BYTES);
    for (;;) {
      const bytes = new Uint8Array(length);
      const { bytesRead } = await handle.read(bytes, 0, length, 0);
      const complete = bytesRead >= size;
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
      length = Math.min(size, length * 2, MAX_HEADER_BYTES);
    }
  } finally {
    await handle.close();
  }
}
