// The built API in its own process, as `npm start` runs it, over a test database of its own:
// what the attacks on its HTTP edges (slow clients, slow readers) run against, since they
// measure the process's memory and open files. Its port, a privacy officer's token, and an
// end that stops it and drops what it made.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '@scantrail/access';
import { freePort } from '@scantrail/local-postgres';
import { ingestEnvironment, startIngestProcess, type IngestProcess } from './ingest-process';
import { createTestDatabase, e2eServices } from './test-env';

export interface BuiltApi {
  /** The API's process (its memory, open files and output). */
  process: IngestProcess;
  port: number;
  /** A privacy officer's token for this API (600 s). */
  officer: string;
  /** Stops the API, drops its database and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts the built API named `name` (its group, origin, officer), with `env` on top. */
export async function startBuiltApi(
  name: string,
  env: Record<string, string> = {},
): Promise<BuiltApi> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), `scantrail-${name}-`));
  const environment = ingestEnvironment({
    databaseUrl: db.url,
    brokers: e2eServices().brokers,
    topic: `${name}-unused`,
    groupId: `${name}-${Date.now()}`,
    dataDir,
    origin: `${name}.scantrail.test/ledger`,
  });
  const port = await freePort();
  // The API never signs: it gets the verifier key, not the signer's.
  const { LEDGER_SIGNING_KEY: _signer, ...shared } = environment.env;
  const child = startIngestProcess({
    app: 'api',
    label: 'api',
    env: {
      ...shared,
      LEDGER_VERIFIER_KEY: environment.verifierKey,
      PORT: String(port),
      NODE_ENV: 'production',
      ...env,
    },
  });
  const officer = mintToken({
    secret: Buffer.from(environment.env.AUTH_JWT_SECRET),
    sub: `${name}-officer`,
    roles: ['privacy_officer'],
    ttlSeconds: 600,
  });
  return {
    process: child,
    port,
    officer,
    stop: async () => {
      await child.terminate();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
