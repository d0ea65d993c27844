import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  /** stdout and stderr interleaved, trimmed to the last 64 KiB. */
  output: string;
}

const OUTPUT_LIMIT = 64 * 1024;

/** Runs a short-lived command to completion; rejects only when it cannot be started. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; hint?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > OUTPUT_LIMIT) {
        output = output.slice(-OUTPUT_LIMIT);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT' ? ` (${command} is not on PATH)` : '';
      reject(new Error(`cannot run ${command}${missing}: ${error.message}. ${options.hint ?? ''}`));
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}
