// What a local server (Kafka, Orthanc) wrote to its log file during one start: the file
// is appended to across starts, so a start notes the size first and reads from there.
import { readFile, stat } from 'node:fs/promises';

/** The size of a log file in bytes, 0 when it does not exist yet. */
export async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** What a log file holds from `from` (bytes) on, '' when it is missing. */
export async function logSince(file: string, from: number): Promise<string> {
  try {
    return (await readFile(file)).subarray(from).toString('utf8');
  } catch {
    return '';
  }
}
