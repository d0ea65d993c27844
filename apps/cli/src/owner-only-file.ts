import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `body` to `path` readable by its owner only, whatever was at `path` before: a new
 * file (created exclusively, mode 0600) is renamed over it, so an existing file keeps
 * neither its mode nor its owner, and a symlink is replaced, never followed.
 */
export async function writeOwnerOnlyFile(path: string, body: Buffer | string): Promise<void> {
  const fresh = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(fresh, body, { mode: 0o600, flag: 'wx' });
  try {
    await rename(fresh, path);
  } catch (error) {
    await rm(fresh, { force: true });
    throw error;
  }
}
