import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '../support/ingest-process';

/**
 * The apps' shutdown (SIGTERM, Ctrl-C) as their processes run it: the built onShutdown in a
 * child process whose step never ends, as a Kafka consumer leaving a dead broker does.
 */
function runShutdown(
  stepNeverEnds: boolean,
  deadlineMs: number,
): Promise<{ code: number | null; ms: number; output: string }> {
  const config = join(repositoryRoot(), 'dist', 'libs', 'config', 'src', 'index.js');
  const script = `
    const { createLogger, onShutdown } = require(${JSON.stringify(config)});
    const logger = createLogger('shutdown-test', 'info');
    const step = ${stepNeverEnds} ? () => new Promise(() => undefined) : async () => undefined;
    onShutdown(logger, [step], ${deadlineMs});
    setInterval(() => undefined, 1000); // a server's open handles
    process.stdout.write('ready\\n');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let signalledAt = 0;
  return new Promise((resolveRun) => {
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (signalledAt === 0 && output.includes('ready\n')) {
        signalledAt = Date.now();
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => resolveRun({ code, ms: Date.now() - signalledAt, output }));
  });
}

describe('shutdown of the apps', () => {
  it('should exit with an error and say why when a step outlasts the deadline', async () => {
    const { code, ms, output } = await runShutdown(true, 1_000);
    expect(code).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(10_000);
    expect(output).toContain('shutting down');
    expect(output).toContain('shutdown did not finish in time');
  }, 30_000);

  it('should exit cleanly at once when the steps end', async () => {
    const { code, ms, output } = await runShutdown(false, 20_000);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(output).not.toContain('did not finish');
  }, 30_000);
});
