import { open, stat } from 'node:fs/promises';
import type { OrthancJob } from '../orthanc/orthanc-client';

/** The hook's line at each Orthanc start (tools/orthanc/lua/scantrail-job-journal.lua). */
export interface HookStarted {
  Kind: 'hook-started';
  HookVersion: string;
  JobsHistorySize: unknown;
  StableAge: unknown;
  Name: string;
}

export type JournalRecord =
  (OrthancJob & { Kind: 'job'; StudyInstanceUids?: unknown }) | HookStarted;

export interface JournalRead {
  records: JournalRecord[];
  /** Byte offset after the last complete line read. */
  nextOffset: number;
  /** The file is shorter than the offset: it was replaced, so reading started over. */
  restarted: boolean;
}

const MAX_READ = 4 * 1024 * 1024;

/** Complete lines from `offset` on (a line still being written is left for next time). */
export async function readJournal(path: string, offset: number): Promise<JournalRead> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return { records: [], nextOffset: offset, restarted: false };
  }
  const restarted = size < offset;
  const from = restarted ? 0 : offset;
  if (size === from) return { records: [], nextOffset: from, restarted };
  const handle = await open(path, 'r');
  try {
    // MAX_READ at a time; a complete line longer than that (a send of tens of thousands of
    // studies) is read whole by reading more, never taken for a line still being written.
    let length = Math.min(size - from, MAX_READ);
    let buffer = Buffer.alloc(0);
    let end = -1;
    for (;;) {
      buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, from);
      end = buffer.lastIndexOf(0x0a);
      if (end >= 0 || length === size - from) break;
      length = Math.min(size - from, length * 2);
    }
    if (end < 0) return { records: [], nextOffset: from, restarted };
    const records: JournalRecord[] = [];
    for (const line of buffer.subarray(0, end).toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed.Kind === 'job' && typeof parsed.ID === 'string') {
          records.push({ ...(parsed as unknown as OrthancJob), Kind: 'job', State: 'Success' });
        } else if (parsed.Kind === 'hook-started') {
          records.push(parsed as unknown as HookStarted);
        }
      } catch {
        // A torn line (Orthanc killed mid-write) carries no complete job: skip it.
      }
    }
    return { records, nextOffset: from + end + 1, restarted };
  } finally {
    await handle.close();
  }
}
