import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExportManifest } from './ledger-sources';

describe('readExportManifest', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scantrail-manifest-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const manifest = (format: unknown): void =>
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ format, origin: 'o', verifierKey: 'k', treeSize: 1, exportedAt: 'now' }),
    );

  it.each(['scantrail-ledger-export/1', 'scantrail-ledger-export/2'])(
    'should read an export of format %s',
    async (format) => {
      manifest(format);
      expect((await readExportManifest(dir)).format).toBe(format);
    },
  );

  it.each([
    ['scantrail-ledger-export/3', /names "scantrail-ledger-export\/3": this verify reads/],
    [undefined, /names no format \(undefined\)/],
    [7, /names no format \(number\)/],
    ['x'.repeat(10_000), /names "x{80}": this verify reads/],
  ])(
    'should refuse an export of an unknown format (%#), saying which it reads',
    async (format, message) => {
      manifest(format);
      await expect(readExportManifest(dir)).rejects.toThrow(message);
    },
  );
});
