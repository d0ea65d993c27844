import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJournal } from './job-journal.reader';

// Attack: the job journal hook writes one line per successful send job, with the job's
// Content (its ParentResources: every Orthanc id it was given) and the study uids. A send
// of tens of thousands of studies writes a line longer than the 4 MiB the reader takes at a
// time; the reader found no line end in its window, took the line for one still being
// written and returned the same offset forever: that send and every later one were never
// read from the journal (CONTRACT 6: each successful send job is recorded; the journal is
// what makes sure none is missed beyond Orthanc's job history).
// Reproduce: a journal whose first line is 5 MiB, then a second job: readJournal(path, 0).
/** A directory of the test's own, removed after the file's tests. */
const made: string[] = [];
const scratch = (): string => {
  made.push(mkdtempSync(join(tmpdir(), 'journal-')));
  return made[made.length - 1];
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('readJournal and a job line longer than one read', () => {
  const line = (id: string, resources: number): string =>
    `${JSON.stringify({
      Kind: 'job',
      ID: id,
      Type: 'OrthancPeerStore',
      CompletionTime: '20240601T120000.000000',
      Content: {
        Peer: ['http://vendor/'],
        ParentResources: Array.from(
          { length: resources },
          (_, i) => `${String(i).padStart(8, '0')}-2f9d1c7e-6b1a4f0e-9c3d2b1a-0f1e2d3c`,
        ),
      },
      StudyInstanceUids: ['1.2.3'],
    })}\n`;

  it('should read a 5 MiB job line and the job after it, then stand after both', async () => {
    const dir = scratch();
    const path = join(dir, 'job-journal.ndjson');
    const long = line('job-with-many-studies', 115_000);
    expect(Buffer.byteLength(long)).toBeGreaterThan(5 * 1024 * 1024);
    const short = line('job-after-it', 1);
    writeFileSync(path, long + short);

    const seen: string[] = [];
    let offset = 0;
    for (let reads = 0; reads < 5; reads += 1) {
      const read = await readJournal(path, offset);
      for (const record of read.records) if (record.Kind === 'job') seen.push(record.ID);
      if (read.nextOffset === offset) break;
      offset = read.nextOffset;
    }
    expect({ jobsRead: seen, offset }).toEqual({
      jobsRead: ['job-with-many-studies', 'job-after-it'],
      offset: Buffer.byteLength(long + short),
    });
  });

  it('should still leave a line being written (no line end yet) for next time', async () => {
    const dir = scratch();
    const path = join(dir, 'job-journal.ndjson');
    const done = line('done', 1);
    writeFileSync(path, done + line('torn', 1).slice(0, 100));
    const read = await readJournal(path, 0);
    expect(read.records.map((r) => (r.Kind === 'job' ? r.ID : r.Kind))).toEqual(['done']);
    expect(read.nextOffset).toBe(Buffer.byteLength(done));
  });
});
