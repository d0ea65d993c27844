import { Client } from 'pg';
import { mintToken, type Role } from '@scantrail/access';
import { createDataSource } from '@scantrail/storage';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import {
  createTestDatabase,
  DirectRecorder,
  signCheckpoint,
  e2eServices,
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
