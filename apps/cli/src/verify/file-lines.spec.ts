import fc from 'fast-check';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileLines } from './file-lines';

async function readlineLines(path: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity }))
    lines.push(line);
  return lines;
}

async function ours(path: string, chunk: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of fileLines(path, chunk)) lines.push(...batch);
  return lines;
}

describe('fileLines', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'scantrail-file-lines-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('should give the lines readline gives, whatever the line ends, characters and chunk size', async () => {
    const piece = fc.constantFrom('a', '{"x":1}', 'é', '€', '😀', '\n', '\r', '\r\n', ' ');
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 40 }).map((p) => p.join('')),
        fc.integer({ min: 1, max: 9 }),
        async (text, chunk) => {
          const path = join(scratch, 'lines.txt');
          writeFileSync(path, text, 'utf8');
          expect(await ours(path, chunk)).toEqual(await readlineLines(path));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should give a file of no bytes no lines', async () => {
    const path = join(scratch, 'empty.txt');
    writeFileSync(path, '');
    expect(await ours(path, 4)).toEqual([]);
  });
});
