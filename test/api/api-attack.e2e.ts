import { Client } from 'pg';
import { mintToken, type Role } from '@scantrail/access';
import { createDataSource } from '@scantrail/storage';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import {
  createTestDatabase,
  DirectRecorder,
  signCheckpoint,
  e2eServices,
  eventually,
  testLogger,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { scenarioEvents } from './api-scenario';

// A hostile client: one vendor token sending the 3,900-alias `ledger { checkpoint }`
// document from eight connections at once, and the limits that refuse it. Speed is not
// asserted here (bench:api --attack measures it); what must hold is that the attack is
// refused before any resolver runs and that another client is still answered correctly.

const settings = testSettings();
const events = scenarioEvents();
let db: TestDatabase;
let api: RunningApi;
const closers: (() => Promise<void>)[] = [];

function token(roles: Role[], sub: string, vendorId?: string): string {
  return mintToken({ secret: settings.authJwtSecret, sub, roles, vendorId, ttlSeconds: 600 });
}
const ATTACKER = token(['vendor'], 'attacker', 'acme');
const AUDITOR = token(['auditor'], 'auditor-1');

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function ask(url: string, bearer: string, query: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as Omit<Answer, 'status'>;
  return { status: response.status, ...body };
}

const aliases = (n: number, selection: string): string =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;
const ATTACK = aliases(3900, 'ledger { checkpoint }');

beforeAll(async () => {
  db = await createTestDatabase();
  await new DirectRecorder(db.dataSource, settings).record(Object.values(events));
  await signCheckpoint(db.dataSource, settings); // the ingest's part: the API serves it
  api = await startApi({
    settings: { ...settings, ledgerSigner: undefined },
    dataSource: db.dataSource,
    kafkaBrokers: e2eServices().brokers,
    logger: testLogger,
  });
});

afterAll(async () => {
  for (const close of closers) await close();
  await api?.close();
  await db?.drop();
});

describe('the alias attack', () => {
  it('should refuse 3,900 aliases of ledger { checkpoint } with BAD_USER_INPUT naming the limit', async () => {
    const answer = await ask(api.url, ATTACKER, ATTACK);
    expect(answer.status).toBe(400);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toMatch(
      /more than 30 aliases; the limit is 30 per operation/,
    );
  });

  it('should keep answering another client correctly while eight attackers send it in parallel', async () => {
    const expected = Object.keys(events).length;
    let attacking = true;
    const refusals: number[] = [];
    const attacker = async (): Promise<void> => {
      while (attacking) refusals.push((await ask(api.url, ATTACKER, ATTACK)).status);
    };
    const attackers = Array.from({ length: 8 }, () => attacker());
    try {
      for (let i = 0; i < 8; i += 1) {
        const answer = await ask(api.url, AUDITOR, '{ ledger { treeSize } }');
        expect(answer).toEqual({ status: 200, data: { ledger: { treeSize: expected } } });
      }
      const health = await fetch(api.url.replace(/\/graphql$/, '/health'));
      expect(health.status).toBe(200);
    } finally {
      attacking = false;
      await Promise.all(attackers);
    }
    expect(refusals.length).toBeGreaterThanOrEqual(8);
    // Refused at validation (400) or, past its budget, by the rate limit (429): never run.
    expect(refusals.filter((s) => s !== 400 && s !== 429)).toEqual([]);
  }, 300_000);

  it('should count aliases in fragments as often as they are spread', async () => {
    const fragment = `fragment F on Query { ${Array.from({ length: 10 }, (_, i) => `k${i}: verifierKey`).join(' ')} }`;
    const answer = await ask(api.url, AUDITOR, `{ ...F ...F ...F ...F } ${fragment}`);
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toMatch(/40 aliases; the limit is 30/);
    const small = await ask(api.url, AUDITOR, `{ ...F ...F } ${fragment}`);
    expect(small.errors).toBeUndefined();
  });

  it('should refuse more than 20 root fields even without aliases', async () => {
    const answer = await ask(
      api.url,
      AUDITOR,
      `{ ${Array.from({ length: 21 }, () => 'ledger { treeSize }').join(' ')} }`,
    );
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toMatch(/21 root fields; the limit is 20/);
  });

  it('should weigh database reads: fewer aliases of a costly field are refused by cost', async () => {
    const answer = await ask(
      api.url,
      AUDITOR,
      aliases(15, 'vendors(first: 500) { edges { node { findings(first: 10) { totalCount } } } }'),
    );
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toMatch(/too expensive/);
  });

  it('should refuse a document of more than 10,000 tokens without parsing it', async () => {
    const answer = await ask(api.url, AUDITOR, `{ ${'a '.repeat(60_000)}}`);
    expect(answer.status).toBe(400);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0].message).toMatch(/more than 10000 tokens; the limit is 10000/);
  });
});

describe('the request gate, before the body is read', () => {
  /** Another API on the same database with some limits changed. */
  async function apiWithLimits(limits: Partial<typeof settings.apiLimits>): Promise<RunningApi> {
    const started = await startApi({
      settings: { ...settings, apiLimits: { ...settings.apiLimits, ...limits } },
      dataSource: db.dataSource,
      kafkaBrokers: e2eServices().brokers,
      logger: testLogger,
    });
    closers.push(() => started.close());
    return started;
  }
  /** A body over API_BODY_LIMIT_BYTES: read, it could only be refused with 413. */
  const oversized = (): string =>
    JSON.stringify({
      query: '{ verifierKey }',
      padding: 'x'.repeat(settings.apiLimits.bodyLimitBytes),
    });

  async function send(
    url: string,
    bearer: string,
    body: string,
  ): Promise<{ status: number; connection: string | null; text: string }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body,
    });
    return {
      status: response.status,
      connection: response.headers.get('connection'),
      text: await response.text(),
    };
  }

  it('should answer 401, not 413, when a bad token sends a body over the limit', async () => {
    const answer = await send(api.url, `${AUDITOR}x`, oversized());
    expect(answer.status).toBe(401);
    expect(answer.connection).toBe('close');
  });

  it('should refuse a token up front once it spent API_REFUSALS_PER_MINUTE on refused documents', async () => {
    const gated = await apiWithLimits({ refusalsPerMinute: 3 });
    const attacker = token(['vendor'], 'refused-too-often', 'acme');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await ask(gated.url, attacker, ATTACK)).status);
    expect(statuses).toEqual([400, 400, 400]);
    // The fourth is refused whatever it holds: a body over the limit, which the parser
    // would answer 413, is answered 429 without being read.
    const fourth = await send(gated.url, attacker, oversized());
    expect(fourth.status).toBe(429);
    expect(fourth.connection).toBe('close');
    const refusal = JSON.parse(fourth.text) as Answer;
    expect(refusal.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(refusal.errors?.[0].message).toMatch(/API_REFUSALS_PER_MINUTE/);
    // Good requests of the same token are refused too for the rest of the window; another
    // token is served as before.
    expect((await ask(gated.url, attacker, '{ ledger { treeSize } }')).status).toBe(429);
    expect(await ask(gated.url, AUDITOR, '{ ledger { treeSize } }')).toEqual({
      status: 200,
      data: { ledger: { treeSize: Object.keys(events).length } },
    });
  });

  it('should answer every request of a script that sends a burst of 40 at once (the defaults: 8 worked on, 64 waiting)', async () => {
    // settings.spec asserts these are the defaults
    const gated = await apiWithLimits({ inFlightPerToken: 8, queuedPerToken: 64 });
    const script = token(['auditor'], 'a-burst');
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => ask(gated.url, script, '{ ledger { treeSize } }')),
    );
    const expected = { status: 200, data: { ledger: { treeSize: Object.keys(events).length } } };
    expect(answers).toEqual(Array.from({ length: 40 }, () => expected));
  });

  it('should let requests past API_IN_FLIGHT_PER_TOKEN wait their turn, and answer 429 at once past API_QUEUED_PER_TOKEN waiting', async () => {
    const gated = await apiWithLimits({ inFlightPerToken: 2, queuedPerToken: 1 });
    const busy = token(['auditor'], 'many-at-once');
    // The owner holds what `ledger` reads, so the first two requests wait in PostgreSQL.
    const blocker = new Client({ connectionString: db.ownerUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE ledger_checkpoints IN ACCESS EXCLUSIVE MODE');
      const working = [
        ask(gated.url, busy, '{ ledger { treeSize } }'),
        ask(gated.url, busy, '{ ledger { treeSize } }'),
      ];
      const lockWaiters = async (): Promise<number> =>
        (
          await blocker.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'ledger_checkpoints'::regclass AND NOT granted`,
          )
        ).rows[0].n;
      await eventually(
        async () => ((await lockWaiters()) >= 2 ? true : undefined),
        60_000,
        'two requests waiting for the lock',
      );
      // Two more: whichever reaches the API first waits its turn there (not answered, not in
      // PostgreSQL), the other finds the line full and is answered 429 at once.
      const settled: Answer[] = [];
      const extra = [0, 1].map(() =>
        ask(gated.url, busy, '{ ledger { treeSize } }').then((answer) => {
          settled.push(answer);
          return answer;
        }),
      );
      await eventually(
        () => Promise.resolve(settled.length > 0 ? true : undefined),
        30_000,
        'one of the two answered',
      );
      expect(settled).toHaveLength(1);
      expect(settled[0].status).toBe(429);
      expect(settled[0].errors?.[0].message).toMatch(
        /API_IN_FLIGHT_PER_TOKEN.*API_QUEUED_PER_TOKEN/,
      );
      expect(await lockWaiters()).toBe(2);
      // Another token is not held back by this one's requests.
      const other = ask(gated.url, AUDITOR, '{ verifierKey }');
      expect((await other).status).toBe(200);
      await blocker.query('ROLLBACK');
      const expected = { status: 200, data: { ledger: { treeSize: Object.keys(events).length } } };
      const answers = await Promise.all([...working, ...extra]);
      expect(answers.filter((answer) => answer.status === 429)).toHaveLength(1);
      expect(answers.filter((answer) => answer.status !== 429)).toEqual([
        expected,
        expected,
        expected,
      ]);
      // Answered, they no longer count.
      expect(await ask(gated.url, busy, '{ ledger { treeSize } }')).toEqual(expected);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
    }
  });
});

describe('statement_timeout', () => {
  it('should answer QUERY_TIMEOUT instead of waiting when a statement outlasts API_STATEMENT_TIMEOUT_MS', async () => {
    const dataSource = createDataSource(db.url, { name: 'api-timeout', statementTimeoutMs: 300 });
    await dataSource.initialize();
    const bounded = await startApi({
      settings: { ...settings, apiLimits: { ...settings.apiLimits, statementTimeoutMs: 300 } },
      dataSource,
      kafkaBrokers: e2eServices().brokers,
      logger: testLogger,
    });
    closers.push(async () => {
      await bounded.close();
      await dataSource.destroy();
    });
    // Another session holds the checkpoints table (what `ledger` reads), as a long
    // migration would (so, the owner).
    const blocker = new Client({ connectionString: db.ownerUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE ledger_checkpoints IN ACCESS EXCLUSIVE MODE');
      const answer = await ask(bounded.url, AUDITOR, '{ ledger { treeSize } }');
      expect(answer.errors?.[0].extensions?.code).toBe('QUERY_TIMEOUT');
      expect(answer.errors?.[0].message).toMatch(/API_STATEMENT_TIMEOUT_MS/);
      await blocker.query('ROLLBACK');
      const after = await ask(bounded.url, AUDITOR, '{ ledger { treeSize } }');
      expect(after.data).toEqual({ ledger: { treeSize: Object.keys(events).length } });
    } finally {
      await blocker.end();
    }
  });
});
