import { mintToken } from '@scantrail/access';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import {
  decodeEntryBundle,
  leafHash,
  merkleTreeHash,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  TILE_WIDTH,
} from '@scantrail/ledger';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import { exportLedger } from '../../apps/cli/src/commands/ledger.commands';
import { exportSource } from '../../apps/cli/src/verify/ledger-sources';
import { verifyLedger } from '../../apps/cli/src/verify/ledger-verifier';
import {
  createTestDatabase,
  DirectRecorder,
  signCheckpoint,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { startTestApi } from '../support/e2e-stack';

const settings = testSettings();
const SIZE = 600; // two full level-0 tiles and a partial one

describe('C2SP tlog-tiles endpoints', () => {
  let db: TestDatabase;
  let api: RunningApi;
  let base: string;
  const token = (roles: ('auditor' | 'privacy_officer' | 'vendor')[], vendorId?: string): string =>
    mintToken({
      secret: settings.authJwtSecret,
      sub: 'tiles-test',
      roles,
      vendorId,
      ttlSeconds: 600,
    });
  const get = (path: string, bearer = token(['auditor'])): Promise<Response> =>
    fetch(`${base}/tlog/${path}`, { headers: { authorization: `Bearer ${bearer}` } });

  beforeAll(async () => {
    db = await createTestDatabase();
    const recorder = new DirectRecorder(db.dataSource, settings);
    const events = Array.from({ length: SIZE }, (_, i) =>
      cloudEvent(
        'org.scantrail.vendor.registered',
        exampleData('org.scantrail.vendor.registered', { vendorId: `vnd-${i}` }),
      ),
    );
    await recorder.record(events);
    await signCheckpoint(db.dataSource, settings);
    api = await startTestApi({ ...settings, ledgerSigner: undefined }, db.dataSource);
    base = api.url.replace(/\/graphql$/, '');
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('should let a standard client rebuild and check the signed root from tiles and bundles alone', async () => {
    const note = await (await get('checkpoint')).text();
    const checkpoint = parseCheckpoint(
      openNote(note, [parseVerifierKey(settings.ledgerVerifierKey)]).text,
    );
    expect(checkpoint.size).toBe(SIZE);

    const leaves: Buffer[] = [];
    for (const [index, width] of [
      [0, TILE_WIDTH],
      [1, TILE_WIDTH],
      [2, SIZE - 2 * TILE_WIDTH],
    ]) {
      const suffix = width === TILE_WIDTH ? '' : `.p/${width}`;
      const bundle = decodeEntryBundle(
        Buffer.from(await (await get(`tile/entries/00${index}${suffix}`)).arrayBuffer()),
      );
      const tile = Buffer.from(await (await get(`tile/0/00${index}${suffix}`)).arrayBuffer());
      expect(bundle).toHaveLength(width);
      expect(tile).toHaveLength(32 * width);
      bundle.forEach((entry, i) => {
        const hash = leafHash(entry);
        expect(tile.subarray(32 * i, 32 * i + 32).equals(hash)).toBe(true);
        leaves.push(hash);
      });
    }
    expect(merkleTreeHash(leaves).equals(checkpoint.rootHash)).toBe(true);
    // A level-1 tile holds the roots of full level-0 tiles.
    const level1 = Buffer.from(await (await get('tile/1/000.p/2')).arrayBuffer());
    expect(level1.subarray(0, 32).equals(merkleTreeHash(leaves.slice(0, 256)))).toBe(true);
  });

  it('should export a folder that verifies offline and holds the same tiles as the API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scantrail-export-'));
    try {
      const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      await exportLedger(settings, db.database, dir);
      write.mockRestore();
      const report = await verifyLedger(await exportSource(dir));
      expect(report).toMatchObject({ ok: true, entries: SIZE });
      for (const path of ['tile/0/001', 'tile/0/002.p/88', 'tile/1/000.p/2', 'tile/entries/000']) {
        const fromApi = Buffer.from(await (await get(path)).arrayBuffer());
        expect(readFileSync(join(dir, path)).equals(fromApi)).toBe(true);
      }
      expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(
        await (await get('checkpoint')).text(),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should answer 404 beyond the log, 400 for a malformed path, 403 for a vendor and 401 without a token', async () => {
    expect((await get('tile/0/003')).status).toBe(404);
    expect((await get('tile/0/002')).status).toBe(404); // only partial so far
    expect((await get('tile/0/x')).status).toBe(400);
    expect((await get('checkpoint', token(['vendor'], 'vnd-1'))).status).toBe(403);
    expect((await fetch(`${base}/tlog/checkpoint`)).status).toBe(401);
  });
});
