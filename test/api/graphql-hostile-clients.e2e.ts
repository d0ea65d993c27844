// Attack: GraphQL clients that send what the dashboard never does: a mistyped query holding
// a patient identifier, an operation name that names no operation (any length), persisted-
// query extensions (Apollo's APQ) with a wrong hash or version, one field or fragment repeated
// thousands of times without aliases, batched (array) bodies.
// Each must get a clear client error that repeats nothing it sent (CONTRACT 3: nothing
// leaked; the transport suite's "a value that must never come back in an answer"), and
// no "internal error" (which the API also logs as a server error, once per request).
// Reproduce: npx jest --config jest.e2e.config.js test/api/graphql-hostile-clients.e2e.ts
import { mintToken } from '@scantrail/access';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import { startTestApi } from '../support/e2e-stack';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { scenarioEvents } from './api-scenario';

// A value that must never come back in an answer.
const MARKER = 'MRN-ECHO-4711';
const settings = testSettings();
let db: TestDatabase;
let api: RunningApi;

interface Answer {
  status: number;
  text: string;
  errors: { message: string; extensions?: { code?: string } }[];
}

async function post(body: unknown): Promise<Answer> {
  const bearer = mintToken({
    secret: settings.authJwtSecret,
    sub: 'officer-1',
    roles: ['privacy_officer'],
    ttlSeconds: 300,
  });
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as { errors?: Answer['errors'] };
  return { status: response.status, text, errors: parsed.errors ?? [] };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await new DirectRecorder(db.dataSource, settings).record(Object.values(scenarioEvents()));
  api = await startTestApi(settings, db.dataSource);
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('hostile GraphQL clients', () => {
  const echoes: [string, unknown][] = [
    [
      'a mistyped accounting query (a colon missing before the identifier)',
      {
        query: `{ accountingOfDisclosures(patient: {system: "urn:oid:1.2", value "${MARKER}"}) { from } }`,
      },
    ],
    ['a string literal where a field goes', { query: `{ "${MARKER}" }` }],
    ['a block string where a field goes', { query: `{ """${MARKER}""" }` }],
    [
      'an operation name that names no operation',
      { query: 'query Key { verifierKey }', operationName: MARKER },
    ],
  ];
  it.each(echoes)('should not repeat what it was sent for %s', async (_name, body) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.errors.length).toBeGreaterThan(0);
    expect(answer.text).not.toContain(MARKER);
    expect(answer.errors[0].extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });

  it('should answer a 100,000-character operation name briefly', async () => {
    const answer = await post({
      query: 'query Key { verifierKey }',
      operationName: 'X'.repeat(100_000),
    });
    expect(answer.status).toBe(400);
    expect(answer.text.length).toBeLessThan(1_000);
  });

  const persisted: [string, object][] = [
    ['a hash that is not the query', { version: 1, sha256Hash: MARKER }],
    ['a version it does not know', { version: 2, sha256Hash: 'a'.repeat(64) }],
  ];
  it.each(persisted)(
    'should refuse a persisted-query extension with %s as the client error it is',
    async (_name, persistedQuery) => {
      const answer = await post({ query: '{ verifierKey }', extensions: { persistedQuery } });
      expect(answer.status).toBe(400);
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors[0].extensions?.code).toBe('BAD_REQUEST');
      expect(answer.errors[0].message).toMatch(/persisted query|sha/);
      expect(answer.text).not.toContain(MARKER);
    },
  );

  const repeated: [string, string][] = [
    [
      'one field with arguments repeated 900 times',
      `{ vendors(first: 1) { edges { node { ${'findings(first: 1) { totalCount } '.repeat(900)}} } } }`,
    ],
    [
      'one field repeated 9,000 times',
      `{ vendors(first: 1) { edges { node { ${'name '.repeat(9_000)}} } } }`,
    ],
  ];
  it.each(repeated)(
    'should refuse %s before validating it, naming the limit',
    async (_name, query) => {
      // Without aliases the copies share one response key, so MAX_ALIASES never sees them,
      // yet graphql-js's overlapping-fields rule compares them pairwise: on main each such
      // request (under the token and body limits) cost 0.1-2 s of the API's one thread
      // before 'Validation aborted.' (its budget), a message that names no limit.
      const answer = await post({ query });
      expect(answer.status).toBe(400);
      expect(answer.errors[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.errors[0].message).toMatch(/repeats? .* the limit is \d+/);
    },
  );

  it('should refuse batched (array) bodies with a clear error', async () => {
    // Held on main (not a finding): Apollo's batching is off.
    const answer = await post([{ query: '{ verifierKey }' }, { query: '{ verifierKey }' }]);
    expect(answer.status).toBe(400);
    expect(answer.errors[0]).toEqual({
      message: 'Operation batching disabled.',
      extensions: { code: 'BAD_REQUEST' },
    });
  });
});
