import { open } from 'node:fs/promises';

/** Bytes read at a time; a line longer than this grows the buffer. */
const CHUNK = 1 << 20;

/**
 * The lines of a UTF-8 text file, as node:readline gives them with `crlfDelay: Infinity`
 * (ends at `\n`, `\r\n` or a lone `\r`; a last line without an end counts; lines are not
 * trimmed), a chunk's worth at a time. Lines are cut by byte search in large reads and
 * decoded one by one, which costs about half of readline's CPU on an export's
 * entries.jsonl (0x0A never occurs inside a multi-byte UTF-8 sequence, so each line decodes
 * as it would in the stream).
 */
export async function* fileLines(path: string, chunk = CHUNK): AsyncIterable<string[]> {
  const file = await open(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(chunk);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(2 * buffer.length);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, null);
      length += bytesRead;
      const lines: string[] = [];
      let start = 0;
      for (;;) {
        const end = buffer.indexOf(0x0a, start);
        if (end < 0 || end >= length) break;
        pushLine(lines, buffer, start, end);
        start = end + 1;
      }
      if (bytesRead === 0) {
        if (start < length) pushLine(lines, buffer, start, length);
        if (lines.length > 0) yield lines;
        return;
      }
      buffer.copy(buffer, 0, start, length);
      length -= start;
      if (lines.length > 0) yield lines;
    }
  } finally {
    await file.close();
  }
}

/** The line of bytes start..end (before a `\n` or the file's end), split at lone `\r`s. */
function pushLine(lines: string[], buffer: Buffer, start: number, end: number): void {
  const last = end > start && buffer[end - 1] === 0x0d ? end - 1 : end;
  const line = buffer.toString('utf8', start, last);
  if (line.includes('\r')) lines.push(...line.split('\r'));
  else lines.push(line);
}
