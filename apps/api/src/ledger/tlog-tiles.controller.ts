import { Controller, Get, Req, Res } from '@nestjs/common';
import {
  encodeEntryBundle,
  parseEntryBundlePath,
  parseTilePath,
  tileHashIndexes,
  tileWidth,
  TILE_WIDTH,
} from '@scantrail/ledger';
import { CheckpointStore, LedgerReader } from '@scantrail/storage';
import type { Request, Response } from 'express';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { viewerOf } from '../auth/request-viewer';

/**
 * C2SP tlog-tiles read endpoints under /tlog, so standard transparency-log tools can
 * check scantrail without our code: `checkpoint`, Merkle hash tiles `tile/<L>/<N>[.p/<W>]`
 * and entry bundles `tile/entries/<N>[.p/<W>]` (each entry is its leaf data). Served from
 * the stored subtree hashes, which never change once written. Auditors and privacy
 * officers only: entry bundles are the events themselves.
 */
@Controller('tlog')
export class TlogTilesController {
  constructor(
    private readonly reader: LedgerReader,
    private readonly checkpoints: CheckpointStore,
  ) {}

  @Get('checkpoint')
  async checkpoint(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!this.allowed(req, res)) return;
    // The sequencer's latest signed checkpoint; the API never signs.
    const latest = await this.checkpoints.latest();
    if (!latest) {
      res.status(404).type('text/plain').send('no checkpoint signed yet\n');
      return;
    }
    res
      .type('text/plain; charset=utf-8')
      .set('Cache-Control', 'private, no-cache')
      .send(latest.note);
  }

  @Get('tile/*path')
  async tile(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!this.allowed(req, res)) return;
    const path = req.path.replace(/^\/tlog\//, '');
    const entries = path.startsWith('tile/entries/');
    let ref: { level: number; index: number; width: number };
    try {
      ref = entries ? { level: 0, ...parseEntryBundlePath(path) } : parseTilePath(path);
    } catch (error) {
      // Only a path that does not parse is the client's fault; a failure reading the
      // database goes to the exception filter (logged, a bare 500).
      res
        .status(400)
        .type('text/plain')
        .send(`${(error as Error).message}\n`);
      return;
    }
    const treeSize = await this.reader.treeSize();
    if (ref.width > tileWidth(treeSize, ref.level, ref.index)) return notFound(res, path);
    if (entries) {
      const first = ref.index * TILE_WIDTH;
      const rows = await this.reader.entries(first, ref.width);
      // Served as final: each entry must be the one at its place, as stored hashes are read
      // exactly. A row gone would shift the next ones into its place (the filter logs, 500).
      rows.forEach((e, i) => {
        if (e.sequence !== first + i) throw missingEntry(first + i);
      });
      if (rows.length !== ref.width) throw missingEntry(first + rows.length);
      const bundle = encodeEntryBundle(rows.map((e) => Buffer.from(e.leafData, 'utf8')));
      // C2SP tlog-tiles: entry bundles SHOULD be compressed at the HTTP layer.
      res.vary('Accept-Encoding');
      if (req.acceptsEncodings('gzip', 'identity') === 'gzip') {
        res.set('Content-Encoding', 'gzip');
        return immutable(res, await gzipAsync(bundle));
      }
      return immutable(res, bundle);
    }
    const hashes = await this.reader.storedHashes(tileHashIndexes(ref.level, ref.index, ref.width));
    return immutable(res, Buffer.concat(hashes));
  }

  private allowed(req: Request, res: Response): boolean {
    const viewer = viewerOf(req);
    if (viewer.roles.includes('auditor') || viewer.roles.includes('privacy_officer')) return true;
    res.status(403).type('text/plain').send('tlog tiles are for auditors and privacy officers\n');
    return false;
  }
}

function missingEntry(sequence: number): Error {
  return new Error(`ledger: entry ${sequence} is missing; run verify`);
}

function notFound(res: Response, path: string): void {
  res.status(404).type('text/plain').send(`${path} is beyond the log\n`);
}

const gzipAsync = promisify(gzip);

/**
 * Full and partial tiles never change once they exist: C2SP asks for long-lived caching.
 * They are served behind a token, so only the client's own cache may keep them (private).
 */
function immutable(res: Response, body: Buffer): void {
  res
    .type('application/octet-stream')
    .set('Cache-Control', 'private, max-age=31536000, immutable')
    .send(body);
}
