import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
 * Reads the dashboard's built files from disk on each request (they are small, and a
 * rebuild shows without a restart). Unknown or unsafe names are simply not found.
 */
export class DashboardAssets {
  constructor(readonly dir: string) {}

  async read(name: string): Promise<DashboardAsset | undefined> {
    const match = ASSET_NAME.exec(name);
    if (!match) return undefined;
    try {
      const body = await readFile(join(this.dir, name));
      return { body, contentType: CONTENT_TYPES[match[2]] };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
