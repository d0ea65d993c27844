import { mintToken } from '@scantrail/access';
import { createDataSource } from '@scantrail/storage';
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import {
  connectedClient,
  createTestDatabase,
  e2eServices,
  testLogger,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { PATIENT_P } from './api-scenario';
import { startScenarioApi } from './scenario-api';

// Two API replicas over one database (each its own pool as the API's role, its own group
// commit of access-log records), and a privacy officer exporting the access log page by page
// through one of them. Replica A's record is held between its insert and its commit (a test
// trigger, as the schema's owner, waits on an advisory lock the test holds) while replica B
// answers a lookup; the officer pages on in between, and again after A's lookup answered.
// Every lookup answered must be in the export, once.

const settings = testSettings();
const GATE = 0x5c7f02;
const bearer = (sub: string): string =>
  mintToken({ secret: settings.authJwtSecret, sub, roles: ['privacy_officer'], ttlSeconds: 600 });
const EXPORTER = bearer('officer-export');
const ACCOUNTING = `query($p: PatientIdentifierInput!) {
  accountingOfDisclosures(patient: $p) { entries { disclosureId } } }`;
const PAGE = `query($after: String) {
  accessLog(first: 2, after: $after) { totalCount edges { node { actor } } pageInfo { hasNextPage endCursor } } }`;

interface Gql<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql<T>(
  api: RunningApi,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Gql<T>;
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

interface AccessLogPage {
  accessLog: {
    totalCount: number;
    edges: { node: { actor: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** Pages from `cursor` to the end as a client does (an empty page keeps its cursor). */
async function exportFrom(
  api: RunningApi,
  cursor: string | null,
): Promise<{ actors: string[]; cursor: string | null; totalCount: number }> {
  const actors: string[] = [];
  for (;;) {
    const { accessLog } = await gql<AccessLogPage>(api, EXPORTER, PAGE, { after: cursor });
    actors.push(...accessLog.edges.map((e) => e.node.actor));
    cursor = accessLog.pageInfo.endCursor ?? cursor;
    if (!accessLog.pageInfo.hasNextPage) {
      return { actors, cursor, totalCount: accessLog.totalCount };
    }
  }
}

let db: TestDatabase;
let replicaA: { api: RunningApi; apiDataSource: DataSource };
let replicaB: { api: RunningApi; apiDataSource: DataSource };
let owner: Client;
let observer: Client;

beforeAll(async () => {
  db = await createTestDatabase();
  replicaA = await startScenarioApi({
    db,
    settings,
    extra: [],
    name: 'replica-a',
    logger: testLogger,
  });
  const poolB = await createDataSource(db.apiUrl, { name: 'replica-b' }).initialize();
  replicaB = {
    apiDataSource: poolB,
    api: await startApi({
      settings: { ...settings, ledgerSigner: undefined },
      dataSource: poolB,
      kafkaBrokers: e2eServices().brokers,
      logger: testLogger,
    }),
  };
  owner = await connectedClient(db.ownerUrl);
  observer = await connectedClient(db.superuserUrl);
  await owner.query(`
    CREATE FUNCTION test_hold_replica_a() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog AS $$
    BEGIN
      IF NEW.actor = 'officer-a' THEN PERFORM pg_advisory_xact_lock_shared(${GATE}); END IF;
      RETURN NULL;
    END $$`);
  await owner.query(`CREATE TRIGGER test_hold_replica_a AFTER INSERT ON access_log
    FOR EACH ROW EXECUTE FUNCTION test_hold_replica_a()`);
}, 300_000);

afterAll(async () => {
  await owner?.end();
  await observer?.end();
  for (const replica of [replicaA, replicaB]) {
    await replica?.api.close();
    await replica?.apiDataSource.destroy();
  }
  await db?.drop();
});

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('the access log exported while two API replicas record lookups', () => {
  it("should give the export every lookup answered, the slower replica's too", async () => {
    await gql(replicaB.api, bearer('officer-before'), ACCOUNTING, { p: PATIENT_P });
    const start = await exportFrom(replicaB.api, null);
    expect(start.actors).toEqual(['officer-before']);

    await owner.query('SELECT pg_advisory_lock($1)', [GATE]);
    let lookupA: Promise<unknown> | undefined;
    try {
      lookupA = gql(replicaA.api, bearer('officer-a'), ACCOUNTING, { p: PATIENT_P });
      await until(async () => {
        const { rows } = await observer.query<{ held: boolean }>(
          `SELECT count(*) > 0 AS held FROM pg_stat_activity
            WHERE application_name = 'replica-a' AND wait_event = 'advisory'`,
        );
        return rows[0].held;
      }, "replica A's record drew its id and waits to commit");
      await gql(replicaB.api, bearer('officer-b'), ACCOUNTING, { p: PATIENT_P });

      const between = await exportFrom(replicaB.api, start.cursor);
      await owner.query('SELECT pg_advisory_unlock($1)', [GATE]);
      await lookupA;
      const after = await exportFrom(replicaB.api, between.cursor);

      const exported = [...start.actors, ...between.actors, ...after.actors];
      expect(exported.sort()).toEqual(['officer-a', 'officer-b', 'officer-before']);
      expect(after.totalCount).toBe(3);
      const again = await exportFrom(replicaA.api, null);
      expect(again.actors.sort()).toEqual(exported);
    } finally {
      await owner.query('SELECT pg_advisory_unlock_all()');
      await lookupA?.catch(() => undefined);
    }
  });

  it('should answer a cursor of the former id order that has no place in commit order with BAD_USER_INPUT saying to start again', async () => {
    // Record 1 was written with this schema: an API of the former order would have given it.
    const idCursor = Buffer.from(JSON.stringify(['accessLog', 1])).toString('base64url');
    const response = await fetch(replicaB.api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${EXPORTER}` },
      body: JSON.stringify({ query: PAGE, variables: { after: idCursor } }),
    });
    const body = (await response.json()) as Gql<AccessLogPage>;
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('page again from the start') as unknown,
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
