import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from './ingest-process';

/** The built CLI with exactly these settings (an operator's shell): its exit code and output. */
export function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(
      process.execPath,
      [join(repositoryRoot(), 'dist', 'apps', 'cli', 'main.js'), ...args],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolveRun({ code: code ?? -1, out }));
  });
}
