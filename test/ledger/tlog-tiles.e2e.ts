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
import { request } from 'node:http';
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

  /** GET with the path sent byte for byte (fetch would resolve dot segments first). */
  const rawGet = (
    path: string,
    bearer: string,
  ): Promise<{ status: number; cacheControl: string; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const url = new URL(base);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path,
          headers: { authorization: `Bearer ${bearer}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              cacheControl: String(res.headers['cache-control'] ?? ''),
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });

  // Session 27's hostile paths (all held): a clear 400 or 404, no stack, never cached as a
  // tile; a narrower partial of a full tile is its prefix (a checkpoint of that size had it).
  it('should answer hostile tile paths with a clear 400 or 404, and a narrower partial with the prefix of the tile', async () => {
    const cases: [string, number][] = [
      ['tile/0/../../graphql', 400],
      ['tile/0/%2e%2e/000', 400],
      ['tile/%2e%2e/%2e%2e/health', 400],
      ['tile/entries/../0/000', 400],
      ['tile/0/%30%30%30', 400],
      ['tile/0/000%2Ep/5', 400],
      ['tile/0/000.p%2F5', 400],
      ['tile/0/000%00', 400],
      ['tile/0/%EF%BC%90%EF%BC%90%EF%BC%90', 400],
      ['tile/00/000', 400],
      ['tile/-1/000', 400],
      ['tile/64/000', 400],
      ['tile/1e2/000', 400],
      ['tile/0/0', 400],
      ['tile/0/0000', 400],
      ['tile/0/-01', 400],
      ['tile/0/x000/001', 400],
      ['tile/0/x1/000', 400],
      ['tile/0/000/', 400],
      ['tile/0//000', 400],
      ['tile/0/000.p/0', 400],
      ['tile/0/000.p/05', 400],
      ['tile/0/000.p/256', 400],
      ['tile/0/000.p/257', 400],
      ['tile/0/000.p/-1', 400],
      ['tile/0/000.p/5.p/3', 400],
      ['tile/entries/000.p/256', 400],
      [`tile/0/${'x999/'.repeat(6)}000`, 400],
      [`tile/0/${'x001/'.repeat(1500)}000`, 400],
      ['tile/63/000', 404],
      ['tile/0/x001/000', 404],
      ['tile/0/x001/x234/067', 404],
      ['tile/0/002.p/89', 404],
      ['tile/entries/002.p/89', 404],
      ['tile/1/000', 404],
      ['tile/2/000.p/1', 404],
    ];
    const problems: string[] = [];
    for (const [i, [path, status]] of cases.entries()) {
      // One subject a request: the refusal limit (30 a minute a subject) is not under test.
      const bearer = mintToken({
        secret: settings.authJwtSecret,
        sub: `tiles-hostile-${i}`,
        roles: ['auditor'],
        ttlSeconds: 600,
      });
      const answer = await rawGet(`/tlog/${path}`, bearer);
      const text = answer.body.toString('utf8');
      if (
        answer.status !== status ||
        /\bat .*\.[jt]s:\d|Error:|node_modules/.test(text) ||
        answer.cacheControl.includes('immutable') ||
        answer.body.length > 200 + path.length
      ) {
        problems.push(
          `${i} ${path.slice(0, 60)}: ${answer.status} ${answer.cacheControl} ${text.slice(0, 80)}`,
        );
      }
    }
    expect(problems).toEqual([]);

    const full = Buffer.from(await (await get('tile/0/000')).arrayBuffer());
    const narrower = Buffer.from(await (await get('tile/0/000.p/5')).arrayBuffer());
    expect(narrower.equals(full.subarray(0, 5 * 32))).toBe(true);
    const bundle = decodeEntryBundle(
      Buffer.from(await (await get('tile/entries/002.p/7')).arrayBuffer()),
    );
    const edge = Buffer.from(await (await get('tile/0/002.p/88')).arrayBuffer());
    expect(Buffer.concat(bundle.map((e) => leafHash(e))).equals(edge.subarray(0, 7 * 32))).toBe(
      true,
    );
  });

  // Session 27's hostile proof arguments (all held): BAD_USER_INPUT naming the argument or
  // the variable, never a proof, a 500 or a stack.
  it.each([
    ['inclusionProof(sequence: 0, treeSize: 0)', /treeSize must be at least 1, got 0/],
    ['inclusionProof(sequence: -1, treeSize: 5)', /sequence must not be negative/],
    ['inclusionProof(sequence: 0, treeSize: -5)', /treeSize must be at least 1, got -5/],
    ['inclusionProof(sequence: 600, treeSize: 600)', /sequence >= treeSize/],
    ['inclusionProof(sequence: 0, treeSize: 601)', /treeSize 601 is larger than the log/],
    ['inclusionProof(sequence: 0, treeSize: 2147483647)', /treeSize 2147483647 is larger/],
    ['inclusionProof(sequence: 2147483647, treeSize: 2147483647)', /larger than the log/],
    ['inclusionProof(sequence: 0, treeSize: 9007199254740992)', /^Int cannot represent/],
    ['inclusionProof(sequence: 0, treeSize: 2147483648)', /^Int cannot represent/],
    ['consistencyProof(fromSize: 0, toSize: 0)', /fromSize must be at least 1/],
    ['consistencyProof(fromSize: -2147483648, toSize: 5)', /fromSize must be at least 1/],
    ['consistencyProof(fromSize: 6, toSize: 5)', /fromSize 6 is larger than toSize 5/],
    ['consistencyProof(fromSize: 601, toSize: 601)', /toSize 601 is larger than the log/],
    ['consistencyProof(fromSize: 1, toSize: 2147483647)', /toSize 2147483647 is larger/],
    ['consistencyProof(fromSize: 1, toSize: 9007199254740992)', /^Int cannot represent/],
  ])('should refuse %s with BAD_USER_INPUT naming what is wrong', async (field, message) => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token(['auditor'])}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ query: `{ ${field} }` }),
    });
    expect([200, 400]).toContain(response.status);
    const body = (await response.json()) as {
      data?: unknown;
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(message);
    expect(JSON.stringify(body)).not.toMatch(/stacktrace|\.ts:\d|node_modules/);
  });

  it('should give empty proofs when the sizes are equal or the tree holds one entry', async () => {
    const ask = async (query: string): Promise<Record<string, string[]>> => {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token(['auditor'])}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ query }),
      });
      return ((await response.json()) as { data: Record<string, string[]> }).data;
    };
    const data = await ask(
      '{ same: consistencyProof(fromSize: 600, toSize: 600) one: inclusionProof(sequence: 0, treeSize: 1) }',
    );
    expect(data).toEqual({ same: [], one: [] });
  });
});
