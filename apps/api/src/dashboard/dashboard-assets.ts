import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A built file of the dashboard, ready to send. */
export interface DashboardAsset {
  body: Buffer;
  contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

// One flat directory of plain names: no path separators, no leading dot, so no way out.
const ASSET_NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]+)*\.(html|js|css|map|svg|png)$/;

/**
 * The directory `tools/dashboard/build.js` writes to: `dist/dashboard` of the checkout or
 * image, found by walking up to the directory that holds package.json (the API runs from
 * dist/apps/api in production and from apps/api/src under Jest).
 */
export function defaultDashboardDir(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return join(from, 'dashboard');
    dir = parent;
  }
  return join(dir, 'dist', 'dashboard');
}

/**
 * Reads the dashboard's built files from disk, each once while it is unchanged (its size
 * and modification time are looked at on each request, so a rebuild shows without a
 * restart). Unknown or unsafe names are simply not found. The files are public: a copy read
 * for each request let a client pipelining requests for the 293 KB source map, and reading
 * none of the answers, cost the API 293 KB a request until its connection was let go of
 * (test/api/slow-readers.e2e.ts); every answer now shares one copy.
 */
export class DashboardAssets {
  private readonly files = new Map<
    string,
    { mtimeMs: number; size: number; asset: Promise<DashboardAsset> }
  >();

  constructor(readonly dir: string) {}

  async read(name: string): Promise<DashboardAsset | undefined> {
    const match = ASSET_NAME.exec(name);
    if (!match) return undefined;
    const path = join(this.dir, name);
    try {
      const { mtimeMs, size } = await stat(path);
      let file = this.files.get(name);
      if (!file || file.mtimeMs !== mtimeMs || file.size !== size) {
        const asset = readFile(path).then((body) => ({
          body,
          contentType: CONTENT_TYPES[match[2]],
        }));
        const read = { mtimeMs, size, asset };
        file = read;
        this.files.set(name, read);
        // A failed read is not kept: the next request reads again.
        asset.catch(() => {
          if (this.files.get(name) === read) this.files.delete(name);
        });
      }
      return await file.asset;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.files.delete(name);
        return undefined;
      }
      throw error;
    }
  }
}
