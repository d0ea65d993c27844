import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A new directory under the system's temporary one; removeScratchDirs() removes it. */
export function scratchDir(prefix: string): string {
  made.push(mkdtempSync(join(tmpdir(), prefix)));
  return made[made.length - 1];
}

/** Removes every scratchDir of this test file (call it from afterAll). */
export function removeScratchDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
