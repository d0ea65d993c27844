// `verify --export` as an auditor runs it on an export sent to them (README, "Operating
// it"): a tampered export must fail with a non-zero exit, never pass. The export holds the
// C2SP tlog-tiles layout (checkpoint, hash tiles, entry bundles) so that standard clients
// can check it without our code (tile-export.ts); those files are what such a client reads.
// Reproduce: npm run cli -- export --out /tmp/x, flip a byte of /tmp/x/tile/entries/000
// (or /tmp/x/tile/0/000), npm run cli -- verify --export /tmp/x: "verified", exit 0.
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { formatCheckpoint, generateSignerKey, parseSignerKey, signNote } from '@scantrail/ledger';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLedger, verify } from '../../apps/cli/src/commands/ledger.commands';
import {
  createTestDatabase,
  DirectRecorder,
  signCheckpoint,
  testSettings,
  type TestDatabase,
} from '../support/test-env';

const settings = testSettings();
const SIZE = 300; // a full level-0 tile and a partial one

/** Runs the CLI's verify on `dir`; its exit code and what it printed. */
async function verifyExport(dir: string): Promise<{ code: number; out: string }> {
  let out = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await verify({ exportDir: dir }), out };
  } finally {
    write.mockRestore();
    stderr.mockRestore();
  }
}

describe('verify --export of a tampered export (real PostgreSQL)', () => {
  let db: TestDatabase;
  let exported: string;
  let scratch: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const recorder = new DirectRecorder(db.dataSource, settings);
    await recorder.record(
      Array.from({ length: SIZE }, (_, i) =>
        cloudEvent(
          'org.scantrail.vendor.registered',
          exampleData('org.scantrail.vendor.registered', { vendorId: `vnd-${i}` }),
        ),
      ),
    );
    await signCheckpoint(db.dataSource, settings);
    scratch = mkdtempSync(join(tmpdir(), 'scantrail-verify-attack-'));
    exported = join(scratch, 'export');
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await exportLedger(settings, db.database, exported);
    write.mockRestore();
  });

  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await db?.drop();
  });

  /** A copy of the export with `file` changed by `edit`. */
  const tampered = (name: string, file: string, edit: (bytes: Buffer) => Buffer): string => {
    const dir = join(scratch, name);
    cpSync(exported, dir, { recursive: true });
    writeFileSync(join(dir, file), edit(readFileSync(join(dir, file))));
    return dir;
  };
  const flip = (at: (length: number) => number) => (bytes: Buffer) => {
    const copy = Buffer.from(bytes);
    copy[at(copy.length)] ^= 0x01;
    return copy;
  };

  it('should pass the export as written', async () => {
    expect(await verifyExport(exported)).toMatchObject({ code: 0 });
  });

  const differs = (file: string): string =>
    `FAILED: ${file} differs from the tile of the exported entries (${SIZE} entries checked)\n`;
  it.each([
    [
      'an entry bundle (leaf data of a full tile)',
      'tile/entries/000',
      flip((n) => n - 2),
      differs('tile/entries/000'),
    ],
    [
      'a partial entry bundle',
      `tile/entries/001.p/${SIZE - 256}`,
      flip((n) => n - 2),
      differs(`tile/entries/001.p/${SIZE - 256}`),
    ],
    ['a full hash tile', 'tile/0/000', flip(() => 40), differs('tile/0/000')],
    [
      'a partial hash tile',
      `tile/0/001.p/${SIZE - 256}`,
      flip(() => 5),
      differs(`tile/0/001.p/${SIZE - 256}`),
    ],
    [
      'the C2SP checkpoint file',
      'checkpoint',
      (b: Buffer) => Buffer.from(b.toString().replace(`\n${SIZE}\n`, `\n${SIZE + 1}\n`)),
      `FAILED: the checkpoint file is not the latest checkpoint of checkpoints.jsonl (${SIZE} entries checked)\n`,
    ],
  ])('should fail, exit non-zero, when %s is changed', async (_what, file, edit, message) => {
    const dir = tampered(file.replace(/\W/g, '_'), file, edit);
    expect(readFileSync(join(dir, file)).equals(readFileSync(join(exported, file)))).toBe(false);
    const { code, out } = await verifyExport(dir);
    expect(out).toBe(message);
    expect(code).not.toBe(0);
  });

  // Formats: /2 (written now) holds the partial tiles of every checkpoint; /1, written up
  // to session 26, only the latest's, and an auditor's archived copy must keep verifying.
  // A format this verify does not know is refused, never read as if it were one it knows.
  it('should verify an export of the first format, and refuse one of a format it does not read', async () => {
    const manifestOf = (dir: string): Record<string, unknown> =>
      JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifestOf(exported).format).toBe('scantrail-ledger-export/2');
    const first = join(scratch, 'format-1');
    cpSync(exported, first, { recursive: true });
    const manifest = manifestOf(first);
    writeFileSync(
      join(first, 'manifest.json'),
      JSON.stringify({ ...manifest, format: 'scantrail-ledger-export/1' }),
    );
    expect(await verifyExport(first)).toMatchObject({ code: 0 });

    const newer = join(scratch, 'format-3');
    cpSync(exported, newer, { recursive: true });
    writeFileSync(
      join(newer, 'manifest.json'),
      JSON.stringify({ ...manifest, format: 'scantrail-ledger-export/3' }),
    );
    await expect(verifyExport(newer)).rejects.toThrow(
      'manifest.json names "scantrail-ledger-export/3": this verify reads scantrail-ledger-export/1 and scantrail-ledger-export/2',
    );
  });

  it('should fail, naming the first, when a tile is missing and another is added', async () => {
    const dir = join(scratch, 'missing-and-added');
    cpSync(exported, dir, { recursive: true });
    rmSync(join(dir, 'tile/0/000'));
    writeFileSync(join(dir, 'tile/0/002'), readFileSync(join(exported, 'tile/0/000')));
    const { code, out } = await verifyExport(dir);
    expect(out).toBe(`FAILED: tile/0/000 is missing (${SIZE} entries checked)\n`);
    expect(code).not.toBe(0);
    writeFileSync(join(dir, 'tile/0/000'), readFileSync(join(exported, 'tile/0/000')));
    expect(await verifyExport(dir)).toEqual({
      code: 1,
      out: `FAILED: tile/0/002 is no tile of the exported tree (${SIZE} entries checked)\n`,
    });
  });

  // The README gives the CLI LEDGER_VERIFIER_KEY (the published key); verify --export
  // ignored it and trusted the key the export's own manifest names, so an export whose
  // checkpoints someone re-signed with a key of their own, naming it in the manifest,
  // "verified". Reproduce: re-sign checkpoints.jsonl and checkpoint with a keygen key, put
  // its verifier key in manifest.json, LEDGER_VERIFIER_KEY=<published> cli verify --export.
  it('should fail an export re-signed with another key when LEDGER_VERIFIER_KEY is the published one', async () => {
    const other = parseSignerKey(generateSignerKey(settings.ledgerOrigin).signerKey);
    const dir = join(scratch, 're-signed');
    cpSync(exported, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      verifierKey: string;
    };
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ ...manifest, verifierKey: other.verifierKey }),
    );
    const lines = readFileSync(join(dir, 'checkpoints.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const c = JSON.parse(l) as { treeSize: number; rootHash: string; note: string };
        const note = signNote(
          formatCheckpoint({
            origin: settings.ledgerOrigin,
            size: c.treeSize,
            rootHash: Buffer.from(c.rootHash, 'base64'),
          }),
          other,
        );
        return { ...c, note };
      });
    writeFileSync(
      join(dir, 'checkpoints.jsonl'),
      lines.map((c) => JSON.stringify(c)).join('\n') + '\n',
    );
    writeFileSync(join(dir, 'checkpoint'), lines[lines.length - 1].note);

    const before = process.env.LEDGER_VERIFIER_KEY;
    process.env.LEDGER_VERIFIER_KEY = settings.ledgerVerifierKey;
    try {
      const { code, out } = await verifyExport(dir);
      expect(out).toMatch(/^FAILED/m);
      expect(code).not.toBe(0);
    } finally {
      if (before === undefined) delete process.env.LEDGER_VERIFIER_KEY;
      else process.env.LEDGER_VERIFIER_KEY = before;
    }
  });
});
