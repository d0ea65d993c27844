// The API's role holds at most 32 connections (session 16, against a leaked API credential
// taking the server's). Whoever holds that credential can then take the 32 themselves: what
// does a client of the API see once its pool needs a connection the server refuses (53300)?
// It must be a prompt error, not a hang, leaking nothing, and the API must answer again once
// they go. Held: 20 concurrent lookups answered in 1.6 s, each a generic INTERNAL_SERVER_ERROR
// (not a capacity code: the API's error mapping is another area's; noted in the session's
// report). A connection the pool already holds would serve lookups too: the test ends those
// first, else it depends on how quickly the lookups arrive (session 21).
import { mintToken } from '@scantrail/access';
import { createDataSource } from '@scantrail/storage';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { GraphqlClient } from '../scenario/graphql-client';
import { E2eStack, startTestApi } from '../support/e2e-stack';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import { connectUntilRefused } from '../support/database-role';
import { testSettings } from '../support/test-env';

const LIMIT = 32;
const POOL_NAME = 'exhausted-api';

describe("a client of the API when the API's role has no connection left", () => {
  const settings = testSettings();
  let stack: E2eStack;
  let apiPool: DataSource;
  let client: GraphqlClient;
  const taken: Client[] = [];
  let api: RunningApi | undefined;

  beforeAll(async () => {
    stack = await E2eStack.open(1);
    const { db } = stack;
    const admin = new Client({ connectionString: db.superuserUrl });
    await admin.connect();
    await admin.query(`ALTER ROLE ${new URL(db.apiUrl).username} CONNECTION LIMIT ${LIMIT}`);
    await admin.end();
    // The API's pool as apps/api makes it: its own role, connections opened on demand.
    apiPool = await createDataSource(db.apiUrl, {
      name: POOL_NAME,
      poolSize: 10,
    }).initialize();
    api = await startTestApi(
      { ...settings, ledgerSigner: undefined, kafkaTopic: stack.topic },
      apiPool,
    );
    client = new GraphqlClient(api.url);
  });

  afterAll(async () => {
    await Promise.all(taken.map((c) => c.end().catch(() => undefined)));
    await api?.close();
    await stack?.close();
    await apiPool?.destroy();
  });

  it('should get a prompt error naming the cause, then answers again when the connections are freed', async () => {
    const token = mintToken({
      secret: settings.authJwtSecret,
      sub: 'exhausted',
      roles: ['auditor'],
      ttlSeconds: 600,
    });
    // Whatever the API opened as it started (its checks, a warm-up) is closed first, as when
    // the server restarts or an operator ends those sessions: otherwise an open connection
    // serves the lookups one after the other, on a slow machine before a second one is needed,
    // and the limit is never met (CI, stop 32: 0 of 20 failed).
    await closeOpenConnections(stack.db.superuserUrl, apiPool, POOL_NAME);
    const { opened, refused } = await connectUntilRefused(stack.db.apiUrl, 100);
    taken.push(...opened);
    expect(refused).toMatchObject({ code: '53300' });
    const started = Date.now();
    // Every slot is taken and the pool holds none: each lookup needs a connection it is refused.
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => client.send<unknown>(token, '{ ledger { treeSize } }')),
    );
    const took = Date.now() - started;
    // Held (session 17): no hang. A GraphQL error at once (53300 is refused by the server as
    // the pool connects), generic and naming nothing of the database (its role, its address)
    // to the client.
    expect(took).toBeLessThan(10_000);
    let failed = 0;
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      if (answer.errors === undefined) continue;
      failed += 1;
      expect(answer.errors).toEqual([
        expect.objectContaining({
          message: 'internal error (logged on the server)',
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        }),
      ]);
      expect(answer.text).not.toMatch(/too many|53300|connection|scantrail|_api/i);
    }
    expect(failed).toBe(answers.length);

    // The connections freed, every lookup answers again.
    await Promise.all(taken.splice(0).map((c) => c.end()));
    const after = await Promise.all(
      Array.from({ length: 20 }, () => client.send<unknown>(token, '{ ledger { treeSize } }')),
    );
    expect(after.map((a) => a.errors)).toEqual(Array.from({ length: 20 }, () => undefined));
  });
});

/**
 * Ends the sessions `pool` (connecting as `applicationName`) holds open (as the superuser) and waits until the pool has
 * dropped them, so its next query has to open a connection.
 */
async function closeOpenConnections(
  superuserUrl: string,
  pool: DataSource,
  applicationName: string,
): Promise<void> {
  const admin = new Client({ connectionString: superuserUrl });
  await admin.connect();
  try {
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
      [applicationName],
    );
  } finally {
    await admin.end();
  }
  const pg = (pool.driver as unknown as { master: { totalCount: number } }).master;
  const deadline = Date.now() + 10_000;
  while (pg.totalCount > 0) {
    if (Date.now() > deadline) throw new Error(`the pool still holds ${pg.totalCount} sessions`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
