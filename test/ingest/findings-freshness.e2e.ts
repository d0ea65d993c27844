// The findings worker runs behind the ingest's commits: a client can see how far behind
// (GraphQL `ledger`), so can an operator (/health, /metrics), and the findings converge
// once the worker runs. The worker is held back here by taking its advisory lock, exactly
// as `verify --read-models` does.
import { mintToken, type Role } from '@scantrail/access';
import { demoEvents } from '@scantrail/demo';
import { FINDINGS_LOCK_CLASS } from '@scantrail/projection';
import { LedgerLog } from '@scantrail/storage';
import type { QueryRunner } from 'typeorm';
import type { RunningIngest } from '../../apps/ingest/src/ingest';
import { GraphqlClient } from '../scenario/graphql-client';
import { E2eStack } from '../support/e2e-stack';
import { eventually, testSettings, type TestDatabase } from '../support/test-env';

interface Freshness {
  ledger: {
    treeSize: number;
    findingsCompleteThrough: number | null;
    findingsLag: number;
    findingsLagSeconds: number;
  };
  findings: { totalCount: number };
}

const FRESHNESS =
  '{ ledger { treeSize findingsCompleteThrough findingsLag findingsLagSeconds } findings { totalCount } }';

describe('findings evaluated behind the ingest', () => {
  const settings = testSettings({ ingestPort: 0 });
  const messages = [...demoEvents({ events: 600, seed: 5 })];
  let stack: E2eStack;
  let db: TestDatabase;
  let ingest: RunningIngest | undefined;
  let client: GraphqlClient;
  let holder: QueryRunner | undefined;

  const token = (roles: Role[], vendorId?: string): string =>
    mintToken({
      secret: settings.authJwtSecret,
      sub: `freshness-${roles.join('-')}`,
      roles,
      vendorId,
      ttlSeconds: 900,
    });

  const ask = async (bearer: string): Promise<Freshness> => {
    const answer = await client.send<Freshness>(bearer, FRESHNESS);
    if (!answer.data) throw new Error(`no data: ${answer.text}`);
    return answer.data;
  };

  const head = async (): Promise<number> => {
    const [row] = await db.dataSource.query<{ head: number | null }[]>(
      'SELECT max(sequence)::int AS head FROM ledger_entries',
    );
    return row.head ?? -1;
  };

  beforeAll(async () => {
    stack = await E2eStack.open(3);
    ({ db } = stack);
    Object.assign(settings, { kafkaTopic: stack.topic });
    ingest = await stack.startIngest(settings);
    const api = await stack.startApi({ ...settings, ledgerSigner: undefined });
    client = new GraphqlClient(api.url);
  });

  afterAll(async () => {
    if (holder !== undefined && !holder.isReleased) await holder.release();
    await stack?.close();
  });

  it('should tell every role how far findings are behind the ledger, and converge when the worker runs', async () => {
    const officer = token(['privacy_officer']);
    // Hold the worker back: it waits on the same lock at the start of each round.
    holder = db.dataSource.createQueryRunner();
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1, $2)', [
      FINDINGS_LOCK_CLASS,
      new LedgerLog(settings.ledgerOrigin).lockKey,
    ]);

    const producer = await stack.kafka.producer();
    await producer.send(
      settings.kafkaTopic,
      messages.map((m) => ({ key: m.key, value: m.value })),
    );
    await producer.disconnect();
    await eventually(
      () => {
        const c = ingest!.counters;
        return Promise.resolve(
          c.recorded + c.duplicates + c.quarantined >= messages.length ? true : undefined,
        );
      },
      120_000,
      'the ingest to handle every message',
    );
    const recorded = await head();
    expect(recorded).toBeGreaterThan(400);

    // Recorded, but not evaluated: the API says so, and serves no finding yet.
    const behind = await ask(officer);
    expect(behind.ledger.findingsCompleteThrough).toBeNull();
    expect(behind.ledger.findingsLag).toBe(recorded + 1);
    expect(behind.ledger.findingsLagSeconds).toBeGreaterThan(0);
    expect(behind.findings.totalCount).toBe(0);

    // The operator sees the same lag; a worker merely behind is not a failure.
    const base = `http://127.0.0.1:${ingest!.httpPort}`;
    const health = await fetch(`${base}/health`);
    const body = (await health.json()) as {
      status: string;
      findings: { lagEntries: number; completeThrough: number | null; stalled: boolean };
    };
    expect(health.status).toBe(200);
    expect(body.findings).toMatchObject({
      lagEntries: recorded + 1,
      completeThrough: null,
      stalled: false,
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`scantrail_findings_lag_entries ${recorded + 1}`);
    expect(metrics).toContain('scantrail_findings_complete_through -1');

    // Let the worker go: the findings catch up with everything recorded.
    await holder.query('SELECT pg_advisory_unlock($1, $2)', [
      FINDINGS_LOCK_CLASS,
      new LedgerLog(settings.ledgerOrigin).lockKey,
    ]);
    await holder.release();
    const caughtUp = await eventually(
      async () => {
        const answer = await ask(officer);
        return answer.ledger.findingsLag === 0 ? answer : undefined;
      },
      60_000,
      'findings to catch up',
    );
    expect(caughtUp.ledger.findingsCompleteThrough).toBe(recorded);
    expect(caughtUp.ledger.findingsLagSeconds).toBe(0);
    const [stored] = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM rm_findings',
    );
    expect(stored.n).toBeGreaterThan(0);
    expect(caughtUp.findings.totalCount).toBe(stored.n);
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(after).toContain('scantrail_findings_lag_entries 0');
    expect(after).toContain(`scantrail_findings_complete_through ${recorded}`);

    // Like the tree size, the position is open to every role.
    for (const bearer of [
      token(['auditor']),
      token(['vendor'], 'vnd-acme'),
      token(['privacy_officer', 'auditor']),
    ]) {
      const answer = await client.send<Freshness>(
        bearer,
        '{ ledger { findingsCompleteThrough findingsLag findingsLagSeconds } }',
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.ledger).toEqual({
        findingsCompleteThrough: recorded,
        findingsLag: 0,
        findingsLagSeconds: 0,
      });
    }
  });
});
