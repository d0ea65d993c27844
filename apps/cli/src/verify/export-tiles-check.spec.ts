import {
  canonicalJson,
  chainHash,
  generateSignerKey,
  leafHash,
  ZERO_CHAIN_HASH,
} from '@scantrail/ledger';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { tileFiles, writeTiles } from '../commands/tile-export';
import { ExportTilesCheck } from './export-tiles-check';
import { verifyLedger, type EntryPage } from './ledger-verifier';
import type { ExportFormat } from './ledger-sources';

const ORIGIN = 'scantrail.test/ledger';
const verifierKey = generateSignerKey(ORIGIN).verifierKey;

/** Leaf data of `size` entries; some beyond ASCII, so bundles hold multi-byte UTF-8. */
function leaves(size: number): { texts: string[]; hashes: Buffer[]; chains: Buffer[] } {
  const texts = Array.from({ length: size }, (_, sequence) =>
    canonicalJson({
      data: { note: sequence % 7 === 0 ? `é${'x'.repeat(sequence % 50)}` : 'n' },
      sequence,
    }),
  );
  const hashes = texts.map((t) => leafHash(t));
  let chain = ZERO_CHAIN_HASH;
  const chains = hashes.map((h) => (chain = chainHash(chain, h)));
  return { texts, hashes, chains };
}

/**
 * An export folder's tile files, and its checkpoint files: none signed, or lines of the
 * given sizes (notes that only this check reads: verify is given no checkpoints here).
 */
async function writeExportTiles(
  dir: string,
  texts: string[],
  hashes: Buffer[],
  checkpointSizes: number[] = [],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const notes = checkpointSizes.map((treeSize) => ({ treeSize, note: `size ${treeSize}\n` }));
  writeFileSync(
    join(dir, 'checkpoints.jsonl'),
    notes.map((n) => `${JSON.stringify(n)}\n`).join(''),
  );
  if (notes.length > 0) writeFileSync(join(dir, 'checkpoint'), notes[notes.length - 1].note);
  await writeTiles(dir, hashes, texts, checkpointSizes);
}

/** Pages of `pageSize` entries, as text or packed bytes (the database's form). */
async function* pages(
  { texts, hashes, chains }: ReturnType<typeof leaves>,
  pageSize: number,
  packed: boolean,
): AsyncIterable<EntryPage> {
  for (let first = 0; first < texts.length; first += pageSize) {
    const slice = texts.slice(first, first + pageSize);
    let leafData: EntryPage['leafData'] = slice;
    if (packed) {
      const parts = slice.map((t) => Buffer.concat([Buffer.from([0]), Buffer.from(t, 'utf8')]));
      let end = 0;
      leafData = {
        bytes: Buffer.concat(parts),
        ends: Int32Array.from(parts, (p) => (end += p.length)),
      };
    }
    yield await Promise.resolve({
      first,
      leafData,
      leafHashes: Buffer.concat(hashes.slice(first, first + pageSize)),
      chainHashes: Buffer.concat(chains.slice(first, first + pageSize)),
    });
  }
}

/** verify with the streaming check, as the CLI runs it: the check's problem, if verify passes. */
async function streamedProblem(
  dir: string,
  log: ReturnType<typeof leaves>,
  pageSize = 100,
  packed = false,
): Promise<string | undefined> {
  const tiles = await ExportTilesCheck.open(dir);
  const report = await verifyLedger({
    origin: ORIGIN,
    verifierKey,
    entries: pages(log, pageSize, packed),
    checkpoints: [],
    workers: 0,
    onVerified: (page, tree) => tiles.add(page, tree),
  });
  expect(report.problem).toBeUndefined();
  return tiles.finish();
}

/**
 * The check as it was before it streamed (kept as the reference): every tile of the whole
 * tree built after verify, compared in the order tileFiles makes them.
 */
async function wholeTreeProblem(
  dir: string,
  leafHashes: readonly Buffer[],
  leafData: readonly string[],
): Promise<string | undefined> {
  const tileRoot = join(dir, 'tile');
  const checkpointFile = join(dir, 'checkpoint');
  if (!existsSync(tileRoot) && !existsSync(checkpointFile)) return undefined;
  const lines = (await readFile(join(dir, 'checkpoints.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { treeSize: number; note: string });
  const notes = lines.map((l) => l.note);
  const checkpoint = existsSync(checkpointFile)
    ? await readFile(checkpointFile, 'utf8')
    : undefined;
  if (checkpoint !== notes.at(-1)) {
    return 'the checkpoint file is not the latest checkpoint of checkpoints.jsonl';
  }
  const present = new Set(
    existsSync(tileRoot)
      ? (await readdir(tileRoot, { recursive: true, withFileTypes: true }))
          .filter((d) => !d.isDirectory())
          .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
      : [],
  );
  const sizes = lines.map((l) => l.treeSize);
  for (const { path, body } of tileFiles(leafHashes, leafData, sizes)) {
    if (!present.delete(path)) return `${path} is missing`;
    if (!(await readFile(join(dir, path))).equals(body)) {
      return `${path} differs from the tile of the exported entries`;
    }
  }
  const extra = [...present].sort()[0];
  return extra === undefined ? undefined : `${extra} is no tile of the exported tree`;
}

describe('ExportTilesCheck', () => {
  let scratch: string;
  let folders = 0;
  const folder = (): string => join(scratch, String(folders++));

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'scantrail-tiles-check-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each([0, 1, 255, 256, 257, 600])(
    'should pass the tiles export writes when the log holds %i entries',
    async (size) => {
      const log = leaves(size);
      const dir = folder();
      await writeExportTiles(dir, log.texts, log.hashes);
      expect(await streamedProblem(dir, log)).toBeUndefined();
      expect(await streamedProblem(dir, log, 77, true)).toBeUndefined();
    },
  );

  it('should compare level-1 tiles, full and partial, when the log passes 65,536 entries', async () => {
    const log = leaves(65_536 + 300);
    const dir = folder();
    await writeExportTiles(dir, log.texts, log.hashes);
    expect(await streamedProblem(dir, log, 5000)).toBeUndefined();
    const full = join(dir, 'tile/1/000');
    const bytes = readFileSync(full);
    bytes[100] ^= 1;
    writeFileSync(full, bytes);
    expect(await streamedProblem(dir, log, 5000)).toBe(
      'tile/1/000 differs from the tile of the exported entries',
    );
  }, 60_000);

  // C2SP tlog-tiles: a log serves the partial tiles of every checkpointed size; an export
  // ships its checkpoints, and so those of its tiles that are still partial.
  it('should pass and compare the partial tiles and bundles of earlier checkpoints when the export holds them', async () => {
    const log = leaves(600);
    const dir = folder();
    await writeExportTiles(dir, log.texts, log.hashes, [0, 5, 300, 590, 600]);
    expect(await streamedProblem(dir, log)).toBeUndefined();
    expect(await streamedProblem(dir, log, 77, true)).toBeUndefined();
    for (const path of ['tile/entries/002.p/78', 'tile/0/002.p/78', 'tile/1/000.p/1']) {
      const bytes = readFileSync(join(dir, path));
      bytes[bytes.length - 1] ^= 1;
      writeFileSync(join(dir, path), bytes);
      expect(await streamedProblem(dir, log)).toBe(
        `${path} differs from the tile of the exported entries`,
      );
      bytes[bytes.length - 1] ^= 1;
      writeFileSync(join(dir, path), bytes);
    }
    unlinkSync(join(dir, 'tile/0/002.p/78'));
    expect(await streamedProblem(dir, log)).toBe('tile/0/002.p/78 is missing');
  });

  // Exports of the first format (up to session 26) hold the latest checkpoint's partial tiles
  // only: an auditor's archived copy keeps verifying, and what it does hold is still compared.
  it("should not require the earlier checkpoints' partial tiles of a first-format export, and compare those present", async () => {
    const log = leaves(600);
    const dir = folder();
    await writeExportTiles(dir, log.texts, log.hashes, [0, 5, 300, 590, 600]);
    const earlier = ['tile/entries/002.p/78', 'tile/0/002.p/78', 'tile/1/000.p/1'];
    for (const path of earlier.slice(1)) unlinkSync(join(dir, path));
    const problem = async (format: ExportFormat): Promise<string | undefined> => {
      const tiles = await ExportTilesCheck.open(dir, format);
      const report = await verifyLedger({
        origin: ORIGIN,
        verifierKey,
        entries: pages(log, 100, false),
        checkpoints: [],
        workers: 0,
        onVerified: (page, tree) => tiles.add(page, tree),
      });
      expect(report.problem).toBeUndefined();
      return tiles.finish();
    };
    expect(await problem('scantrail-ledger-export/1')).toBeUndefined();
    expect(await problem('scantrail-ledger-export/2')).toBe('tile/0/002.p/78 is missing');
    const bytes = readFileSync(join(dir, earlier[0]));
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(join(dir, earlier[0]), bytes);
    expect(await problem('scantrail-ledger-export/1')).toBe(
      `${earlier[0]} differs from the tile of the exported entries`,
    );
  });

  it('should have nothing to compare when the export has neither tiles nor a checkpoint file', async () => {
    const dir = folder();
    await mkdir(dir, { recursive: true });
    expect(await streamedProblem(dir, leaves(10))).toBeUndefined();
  });

  it('should name the checkpoint file first when it is not the latest checkpoint', async () => {
    const log = leaves(300);
    const dir = folder();
    await writeExportTiles(dir, log.texts, log.hashes);
    writeFileSync(join(dir, 'checkpoint'), 'not a note\n');
    unlinkSync(join(dir, 'tile/0/000'));
    expect(await streamedProblem(dir, log)).toBe(
      'the checkpoint file is not the latest checkpoint of checkpoints.jsonl',
    );
  });

  // Any change to the files gives the first difference the whole-tree check names.
  it('should name what the whole-tree check names, whatever is changed, removed or added', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 800 }),
        fc.integer({ min: 1, max: 700 }),
        fc.boolean(),
        fc.array(
          fc.record({
            file: fc.nat(),
            action: fc.constantFrom('flip', 'remove', 'truncate', 'append', 'add'),
            at: fc.nat(),
          }),
          { maxLength: 3 },
        ),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (size, pageSize, packed, changes, earlier) => {
          const log = leaves(size);
          const dir = folder();
          const sizes = [...earlier.map((e) => e % (size + 1)).sort((a, b) => a - b), size];
          await writeExportTiles(dir, log.texts, log.hashes, sizes);
          const files = [...tileFiles(log.hashes, log.texts, sizes)].map((f) => f.path);
          for (const { file, action, at } of changes) {
            if (action === 'add') {
              const path = [
                'tile/0/999',
                'tile/entries/x001/000',
                'tile/3/000.p/1',
                'tile/0/000.p/9',
              ][at % 4];
              await mkdir(dirname(join(dir, path)), { recursive: true });
              writeFileSync(join(dir, path), 'x');
              continue;
            }
            if (files.length === 0) continue;
            const path = join(dir, files[file % files.length]);
            if (!existsSync(path)) continue;
            const bytes = readFileSync(path);
            if (action === 'remove') unlinkSync(path);
            else if (action === 'truncate')
              writeFileSync(path, bytes.subarray(0, at % bytes.length));
            else if (action === 'append')
              writeFileSync(path, Buffer.concat([bytes, Buffer.from([at % 256])]));
            else {
              bytes[at % bytes.length] ^= 1 << (at % 8);
              writeFileSync(path, bytes);
            }
          }
          const expected = await wholeTreeProblem(dir, log.hashes, log.texts);
          expect(await streamedProblem(dir, log, pageSize, packed)).toBe(expected);
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
