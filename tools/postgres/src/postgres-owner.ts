import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { EmbeddedDatabase } from './embedded-postgres';

export interface OwnedPostgres extends EmbeddedDatabase {
  /** The small process that started the server and stops it (its owner). */
  ownerPid: number;
}

/**
 * The embedded PostgreSQL on `dataDir` (see startEmbeddedPostgres), started and owned by a
 * small child process in a process group of its own, so a Ctrl-C in the terminal reaches
 * the launcher only: the launcher stops the apps first and the database last, instead of
 * the server shutting down under apps that are still writing. The owner stops the server
 * on stop() (SIGTERM), when this process dies (its stdin ends) and, when it is killed
 * itself, through the server's watchdog. `module` is the built local-postgres entry (the
 * embedded-postgres package is ESM, which Jest cannot load: tests pass dist's).
 */
export async function startPostgresOwner(
  dataDir: string,
  module: string = join(__dirname, 'index.js'),
): Promise<OwnedPostgres> {
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(module)});
    startEmbeddedPostgres(${JSON.stringify(dataDir)}).then((pg) => {
      process.stdout.write(JSON.stringify({ url: pg.url, migrationUrl: pg.migrationUrl, apiUrl: pg.apiUrl, bridgeUrl: pg.bridgeUrl, adminUrl: pg.adminUrl }) + '\\n');
      const stop = () => pg.stop().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', () => undefined); // a group's Ctrl-C is the launcher's to handle
      process.stdin.on('end', stop).resume(); // our parent is gone
    }, (error) => { process.stderr.write(String(error)); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  let out = '';
  type Urls = Omit<EmbeddedDatabase, 'stop'>;
  const urls = await new Promise<Urls>((resolveUrl, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolveUrl(JSON.parse(line) as Urls);
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then(() => reject(new Error(`the PostgreSQL owner process exited: ${out}`)));
  });
  return {
    ...urls,
    ownerPid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
