import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mintToken, type Role } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { startTestApi } from '../support/e2e-stack';
import { PATIENT_P, S1, scenarioEvents } from './api-scenario';
import { removeScratchDirs, scratchDir } from '../support/scratch';

afterAll(removeScratchDirs);

// Tokens and transport, as a client sees them: which tokens the API accepts, the headers
// every route sends, what a too large, badly typed or NUL-carrying request answers, the
// HOST setting, introspection, and the per-token rate limit.

const run = promisify(execFile);
const LIFETIME_CAP_S = 3600;
const ISSUER = 'https://idp.hospital.example';
const AUDIENCE = 'scantrail-api';
// A value that must never come back in an answer (a patient identifier in a bad request).
const MARKER = 'MRN-ECHO-4711';

const settings = testSettings({ authToken: { maxLifetimeS: LIFETIME_CAP_S } });
let db: TestDatabase;
let api: RunningApi;
const others: RunningApi[] = [];

/** Another API on the same database, with some settings changed. */
async function apiWith(overrides: Partial<Settings>): Promise<RunningApi> {
  const started = await startTestApi({ ...settings, ...overrides }, db.dataSource);
  others.push(started);
  return started;
}

/** An HS256 token with exactly these claims (to make the ones mintToken would not). */
function handMade(claims: object, secret: Buffer = settings.authJwtSecret): string {
  const enc = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function token(roles: Role[], sub: string, ttlSeconds = 300): string {
  return mintToken({ secret: settings.authJwtSecret, sub, roles, ttlSeconds });
}

const AUDITOR = token(['auditor'], 'auditor-1');
const nowS = (): number => Math.floor(Date.now() / 1000);

async function post(
  url: string,
  bearer: string | undefined,
  body: unknown,
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

interface GqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

beforeAll(async () => {
  db = await createTestDatabase();
  await new DirectRecorder(db.dataSource, settings).record(Object.values(scenarioEvents()));
  api = await startTestApi(settings, db.dataSource);
});

afterAll(async () => {
  for (const other of others) await other.close();
  await api?.close();
  await db?.drop();
});

describe('bearer tokens', () => {
  const base = { sub: 'someone', roles: ['auditor'] };
  const refused: [string, () => object, RegExp][] = [
    ['neither exp nor iat', () => ({ ...base }), /neither exp nor iat/],
    [
      'no exp and an iat older than AUTH_TOKEN_MAX_LIFETIME_S',
      () => ({ ...base, iat: nowS() - LIFETIME_CAP_S - 1 }),
      /expired \(no exp/,
    ],
    [
      'no iat and an exp further ahead than AUTH_TOKEN_MAX_LIFETIME_S',
      () => ({ ...base, exp: nowS() + LIFETIME_CAP_S + 120 }),
      /lifetime exceeds/,
    ],
    [
      'a lifetime longer than AUTH_TOKEN_MAX_LIFETIME_S',
      () => ({ ...base, iat: nowS(), exp: nowS() + LIFETIME_CAP_S + 1 }),
      /lifetime exceeds/,
    ],
    ['an iat in the future', () => ({ ...base, iat: nowS() + 600, exp: nowS() + 900 }), /future/],
  ];
  it.each(refused)('should answer 401 when the token has %s', async (_name, claims, reason) => {
    const answer = await post(api.url, handMade(claims()), { query: '{ verifierKey }' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = JSON.parse(answer.text) as GqlAnswer;
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.errors?.[0].message).toMatch(reason);
  });

  it('should accept a token without iat (RFC 7519: optional) whose exp is within the cap', async () => {
    const answer = await post(api.url, handMade({ ...base, exp: nowS() + 3600 }), {
      query: '{ verifierKey }',
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({
      data: { verifierKey: settings.ledgerVerifierKey },
    });
  });

  it('should accept a token without exp (as jsonwebtoken signs { sub, roles } by default: iat only)', async () => {
    const answer = await post(api.url, handMade({ ...base, iat: nowS() }), {
      query: '{ verifierKey }',
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({
      data: { verifierKey: settings.ledgerVerifierKey },
    });
  });

  it('should accept a token whose lifetime is exactly the cap', async () => {
    const answer = await post(api.url, token(['auditor'], 'a', LIFETIME_CAP_S), {
      query: '{ verifierKey }',
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({
      data: { verifierKey: settings.ledgerVerifierKey },
    });
  });

  it('should check iss and aud when AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE are set', async () => {
    const strict = await apiWith({
      authToken: { maxLifetimeS: LIFETIME_CAP_S, issuer: ISSUER, audience: AUDIENCE },
    });
    const claims = { ...base, iat: nowS(), exp: nowS() + 60 };
    const statusOf = async (extra: object): Promise<number> =>
      (await post(strict.url, handMade({ ...claims, ...extra }), { query: '{ verifierKey }' }))
        .status;
    expect(await statusOf({})).toBe(401);
    expect(await statusOf({ iss: ISSUER })).toBe(401);
    expect(await statusOf({ aud: AUDIENCE })).toBe(401);
    expect(await statusOf({ iss: 'https://evil.example', aud: AUDIENCE })).toBe(401);
    expect(await statusOf({ iss: ISSUER, aud: 'another-api' })).toBe(401);
    expect(await statusOf({ iss: ISSUER, aud: AUDIENCE })).toBe(200);
    expect(await statusOf({ iss: ISSUER, aud: ['another-api', AUDIENCE] })).toBe(200);
    // The unconfigured API ignores both claims.
    const loose = await post(api.url, handMade({ ...claims, iss: 'x', aud: 'y' }), {
      query: '{ verifierKey }',
    });
    expect(loose.status).toBe(200);
  });

  it('should mint with `cli token` a token with iat, exp, iss and aud that the API accepts', async () => {
    const secret = settings.authJwtSecret.toString('hex');
    const env = {
      ...process.env,
      SCANTRAIL_DATA_DIR: scratchDir('scantrail-token-'),
      AUTH_JWT_SECRET: secret,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      AUTH_TOKEN_MAX_LIFETIME_S: String(LIFETIME_CAP_S),
    };
    const cli = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'main.js');
    const { stdout } = await run(
      process.execPath,
      [cli, 'token', '--role', 'auditor', '--ttl', '600'],
      { env },
    );
    const minted = stdout.trim();
    const claims = JSON.parse(Buffer.from(minted.split('.')[1], 'base64url').toString()) as {
      iat: number;
      exp: number;
      iss: string;
      aud: string;
    };
    expect(claims.exp - claims.iat).toBe(600);
    expect([claims.iss, claims.aud]).toEqual([ISSUER, AUDIENCE]);
    const strict = await apiWith({
      authJwtSecret: Buffer.from(secret, 'utf8'),
      authToken: { maxLifetimeS: LIFETIME_CAP_S, issuer: ISSUER, audience: AUDIENCE },
    });
    expect((await post(strict.url, minted, { query: '{ verifierKey }' })).status).toBe(200);
    // A lifetime over the cap is refused by the CLI itself, with the setting named.
    const refusal = await run(
      process.execPath,
      [cli, 'token', '--role', 'auditor', '--ttl', '7200'],
      { env },
    ).then(
      () => 'minted',
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(refusal).toMatch(/AUTH_TOKEN_MAX_LIFETIME_S/);
  });

  // CONTRACT 5: `token --role R [--vendor V]`. The vendor form had no test.
  it('should mint with `cli token --role vendor --vendor V` a token the API scopes to vendor V', async () => {
    const env = {
      ...process.env,
      SCANTRAIL_DATA_DIR: scratchDir('scantrail-token-'),
      AUTH_JWT_SECRET: settings.authJwtSecret.toString('hex'),
    };
    const scoped = await apiWith({
      authJwtSecret: Buffer.from(settings.authJwtSecret.toString('hex'), 'utf8'),
    });
    const cli = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'main.js');
    const { stdout } = await run(
      process.execPath,
      [cli, 'token', '--role', 'vendor', '--vendor', 'vnd-acme', '--ttl', '600'],
      { env },
    );
    const minted = stdout.trim();
    const claims = JSON.parse(Buffer.from(minted.split('.')[1], 'base64url').toString()) as {
      roles: unknown;
      vendorId: unknown;
    };
    expect([claims.roles, claims.vendorId]).toEqual([['vendor'], 'vnd-acme']);
    const ask = async (query: string): Promise<{ status: number; text: string }> =>
      post(scoped.url, minted, { query });
    // Its own vendor: answered as a privacy officer sees that vendor's findings; another
    // vendor, the quarantine: FORBIDDEN.
    const own = await ask('{ findings(vendorId: "vnd-acme") { totalCount } }');
    const officer = await post(api.url, token(['privacy_officer'], 'officer-1'), {
      query: '{ findings(vendorId: "vnd-acme") { totalCount } }',
    });
    expect(own.status).toBe(200);
    expect(JSON.parse(own.text)).toEqual(JSON.parse(officer.text));
    expect(own.text).toMatch(/"totalCount":[1-9]/);
    for (const query of [
      '{ findings(vendorId: "vnd-cloud") { totalCount } }',
      '{ quarantine { totalCount } }',
    ]) {
      const refused = JSON.parse((await ask(query)).text) as {
        errors?: { extensions?: { code?: string } }[];
      };
      expect([query, refused.errors?.[0]?.extensions?.code]).toEqual([query, 'FORBIDDEN']);
    }
    // The vendor role without a vendor is refused by the CLI itself.
    const refusal = await run(process.execPath, [cli, 'token', '--role', 'vendor'], {
      env,
    }).then(
      () => 'minted',
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(refusal).toMatch(/--vendor/);
  });
});

describe('security headers', () => {
  const expectHardened = (headers: Headers, route: string): void => {
    expect([route, headers.get('x-content-type-options')]).toEqual([route, 'nosniff']);
    expect([route, headers.get('x-frame-options')]).toEqual([route, 'DENY']);
    expect([route, headers.get('content-security-policy')]).toEqual([
      route,
      expect.stringContaining("frame-ancestors 'none'"),
    ]);
    expect([route, headers.get('referrer-policy')]).toEqual([route, 'no-referrer']);
    expect([route, headers.get('x-powered-by')]).toEqual([route, null]);
  };

  it('should send nosniff, X-Frame-Options and a CSP on every route, whatever the answer', async () => {
    const root = api.url.replace(/\/graphql$/, '');
    const answers: [string, Response][] = [
      [
        'graphql 200',
        await fetch(api.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${AUDITOR}` },
          body: JSON.stringify({ query: '{ verifierKey }' }),
        }),
      ],
      ['graphql 401', await fetch(api.url, { method: 'POST' })],
      ['health', await fetch(`${root}/health`)],
      ['metrics', await fetch(`${root}/metrics`)],
      ['dashboard', await fetch(`${root}/dashboard/`)],
      ['report 401', await fetch(`${root}/reports/accounting`, { method: 'POST' })],
      ['unknown route', await fetch(`${root}/nowhere`)],
    ];
    for (const [route, response] of answers) expectHardened(response.headers, route);
    // An answer is the token's own: never stored, and no content hash to revalidate it by.
    const [, answered] = answers[0];
    expect(answered.headers.get('cache-control')).toBe('private, no-store');
    expect(answered.headers.get('etag')).toBeNull();
  });

  it('should serve the dashboard HTML under a CSP that allows only its own scripts', async () => {
    const root = api.url.replace(/\/graphql$/, '');
    const response = await fetch(`${root}/dashboard/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    if (response.status === 200) {
      const html = await response.text();
      expect(html).not.toMatch(/<script[^>]*src="https?:/);
    }
  });

  it('should serve no GraphiQL page and no CDN script, even in development', async () => {
    const dev = await apiWith({ development: true });
    for (const url of [api.url, dev.url]) {
      const response = await fetch(url, { headers: { accept: 'text/html' } });
      const text = await response.text();
      expect(response.status).toBe(401);
      expect(text).not.toMatch(/unpkg|cdn\.|<script/i);
    }
  });

  it('should answer introspection only when NODE_ENV is development', async () => {
    const dev = await apiWith({ development: true });
    const query = { query: '{ __schema { queryType { name } } }' };
    const production = JSON.parse((await post(api.url, AUDITOR, query)).text) as GqlAnswer;
    expect(production.data ?? null).toBeNull();
    expect(production.errors?.[0].message).toMatch(/introspection/i);
    const development = JSON.parse((await post(dev.url, AUDITOR, query)).text) as GqlAnswer;
    expect(development).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  // CONTRACT 3: POST /graphql. Over GET the document and its variables (a patient's
  // identifier) would sit in the URL, in proxies' logs and browser history.
  it('should refuse GraphQL over GET with 405, even with the preflight header', async () => {
    const query = encodeURIComponent(
      `{ accountingOfDisclosures(patient: { system: "s", value: "${MARKER}" }) { from } }`,
    );
    const preflight: Record<string, string>[] = [{}, { 'apollo-require-preflight': 'true' }];
    for (const headers of preflight) {
      const answer = await fetch(`${api.url}?query=${query}`, {
        headers: { authorization: `Bearer ${token(['privacy_officer'], 'officer-1')}`, ...headers },
      });
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('POST');
      const text = await answer.text();
      const parsed = JSON.parse(text) as GqlAnswer;
      expect(parsed.errors?.[0].extensions?.code).toBe('METHOD_NOT_ALLOWED');
      expect(parsed.data ?? null).toBeNull();
      expect(text).not.toContain(MARKER);
    }
  });

  it('should suggest no field names outside development', async () => {
    const dev = await apiWith({ development: true });
    const query = { query: '{ verifierKy }' };
    const production = JSON.parse((await post(api.url, AUDITOR, query)).text) as GqlAnswer;
    expect(production.errors?.[0].message).toContain('Cannot query field "verifierKy"');
    expect(production.errors?.[0].message).not.toMatch(/did you mean|verifierKey/i);
    const development = JSON.parse((await post(dev.url, AUDITOR, query)).text) as GqlAnswer;
    expect(development.errors?.[0].message).toMatch(/Did you mean "verifierKey"/);
  });
});

describe('HOST', () => {
  it('should listen only on the address HOST names', async () => {
    const other = await apiWith({ host: '127.0.0.2' });
    expect(new URL(other.url).hostname).toBe('127.0.0.2');
    expect((await post(other.url, AUDITOR, { query: '{ verifierKey }' })).status).toBe(200);
    const elsewhere = other.url.replace('127.0.0.2', '127.0.0.1');
    await expect(fetch(elsewhere, { method: 'POST' })).rejects.toThrow();
  });
});

describe('bad requests', () => {
  it('should answer 413 naming the limit, not 500, when the body is over API_BODY_LIMIT_BYTES', async () => {
    const limit = settings.apiLimits.bodyLimitBytes;
    const answer = await post(api.url, AUDITOR, {
      query: '{ verifierKey }',
      variables: { padding: MARKER.repeat(Math.ceil(limit / MARKER.length)) },
    });
    expect(answer.status).toBe(413);
    const body = JSON.parse(answer.text) as GqlAnswer;
    expect(body.errors?.[0].extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.errors?.[0].message).toContain(String(limit));
    expect(answer.text).not.toContain(MARKER);
  });

  it('should answer 400 without the body when the body is not JSON', async () => {
    const answer = await post(api.url, AUDITOR, `{"query": "${MARKER}`);
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain(MARKER);
  });

  const accounting =
    'query($p: PatientIdentifierInput!) { accountingOfDisclosures(patient: $p) { from } }';
  const badRequests: [string, { query: string; variables?: object }][] = [
    [
      'a NUL in a variable',
      { query: accounting, variables: { p: { system: 's', value: `${MARKER}\u0000` } } },
    ],
    [
      'a NUL in a literal argument',
      { query: `{ study(studyInstanceUid: "${MARKER}\\u0000") { modality } }` },
    ],
    [
      'a number where a String is declared',
      { query: accounting, variables: { p: { system: 's', value: 4711 } } },
    ],
    [
      'a field the input type lacks',
      { query: accounting, variables: { p: { system: 's', value: 'v', [MARKER]: MARKER } } },
    ],
    ['a string where an object is declared', { query: accounting, variables: { p: MARKER } }],
    ['a wrongly typed literal', { query: `{ ledgerEntry(sequence: "${MARKER}") { leafData } }` }],
  ];
  it.each(badRequests)(
    'should answer BAD_USER_INPUT without repeating the value when a request has %s',
    async (_name, body) => {
      const answer = await post(api.url, token(['privacy_officer'], 'officer-1'), body);
      const parsed = JSON.parse(answer.text) as GqlAnswer;
      expect(parsed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(parsed.data ?? null).toBeNull();
      expect(answer.text).not.toContain(MARKER);
      expect(answer.text).not.toContain('4711');
    },
  );

  // A recursive walk of such variables overflowed the call stack: HTTP 500 (session 23's
  // probe). The bodies are written as text: JSON.stringify itself cannot nest that deep.
  const nestedIn = (prefix: string, depth: number, suffix: string): string =>
    `${prefix}${'['.repeat(depth)}"${MARKER}"${']'.repeat(depth)}${suffix}`;
  it.each([
    [
      'an undeclared variable nested 5,000 deep',
      nestedIn('{"query":"{ verifierKey }","variables":{"a":', 5_000, '}}'),
    ],
    [
      "a declared variable's field nested 50,000 deep",
      nestedIn(
        `{"query":${JSON.stringify(accounting)},"variables":{"p":{"system":"s","value":`,
        50_000,
        '}}}',
      ),
    ],
  ])('should answer 400 BAD_USER_INPUT naming the limit for %s', async (_name, body) => {
    const answer = await post(api.url, token(['privacy_officer'], 'officer-1'), body);
    expect(answer.status).toBe(400);
    const parsed = JSON.parse(answer.text) as GqlAnswer;
    expect(parsed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(parsed.errors?.[0].message).toContain('deeper than 32 levels');
    expect(answer.text).not.toContain(MARKER);
  });

  it('should still answer the same query when its values are good', async () => {
    const answer = await post(api.url, token(['privacy_officer'], 'officer-1'), {
      query: accounting,
      variables: { p: PATIENT_P },
    });
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.text) as GqlAnswer).errors).toBeUndefined();
  });
});

describe('dates PostgreSQL cannot store', () => {
  const officer = (): string => token(['privacy_officer'], 'officer-dates');
  const accountingFrom =
    'query($p: PatientIdentifierInput!, $from: DateTime) { accountingOfDisclosures(patient: $p, from: $from) { from } }';
  const unstorable: [string, string, RegExp][] = [
    ['year 0000', '0000-01-01T00:00:00Z', /year 0000/],
    [
      'an offset beyond +-15:59',
      '2024-05-01T12:00:00+16:00',
      /offset \+16:00, beyond the \+-15:59/,
    ],
    ['an instant before 0001', '0001-01-01T00:00:00+01:00', /outside the storable range/],
  ];

  it.each(unstorable)(
    'should answer BAD_USER_INPUT, not a database error, when a DateTime variable has %s',
    async (_name, value, why) => {
      const answer = await post(api.url, officer(), {
        query: accountingFrom,
        variables: { p: PATIENT_P, from: value },
      });
      const parsed = JSON.parse(answer.text) as GqlAnswer;
      expect(parsed.data ?? null).toBeNull();
      expect(parsed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(parsed.errors?.[0].message).toMatch(why);
      expect(answer.text).not.toContain(PATIENT_P.value);
    },
  );

  it.each(unstorable)(
    'should answer BAD_USER_INPUT when a literal asOf has %s',
    async (_name, value, why) => {
      const answer = await post(api.url, officer(), {
        query: `{ trace(studyInstanceUid: "${S1}", asOf: "${value}") { edges { from } } }`,
      });
      const parsed = JSON.parse(answer.text) as GqlAnswer;
      expect(parsed.data ?? null).toBeNull();
      expect(parsed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(parsed.errors?.[0].message).toMatch(why);
    },
  );

  it('should answer 400 naming the rule when an accounting report period starts in year 0000', async () => {
    const answer = await post(api.url.replace(/\/graphql$/, '/reports/accounting'), officer(), {
      patient: PATIENT_P,
      from: '0000-01-01',
      format: 'csv',
    });
    expect(answer.status).toBe(400);
    expect((JSON.parse(answer.text) as { message: string }).message).toMatch(/^from has year 0000/);
    expect(answer.text).not.toContain(PATIENT_P.value);
  });

  it('should answer the same query at the edge of the storable range', async () => {
    const answer = await post(api.url, officer(), {
      query: accountingFrom,
      variables: { p: PATIENT_P, from: '0001-01-01T00:00:00Z' },
    });
    const parsed = JSON.parse(answer.text) as GqlAnswer;
    expect(parsed.errors).toBeUndefined();
    expect(parsed.data).toEqual({
      accountingOfDisclosures: { from: '0001-01-01T00:00:00.000Z' },
    });
  });
});

describe('rate limit', () => {
  it('should answer 429 with Retry-After past the per-token limit, and keep serving other tokens', async () => {
    const limited = await apiWith({
      apiLimits: { ...settings.apiLimits, requestsPerMinute: 5 },
    });
    const greedy = token(['auditor'], 'greedy-client');
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 7; i += 1) {
      last = await post(limited.url, greedy, { query: '{ verifierKey }' });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((JSON.parse(last?.text ?? '{}') as GqlAnswer).errors?.[0].extensions?.code).toBe(
      'RATE_LIMITED',
    );
    const polite = token(['auditor'], 'polite-client');
    expect((await post(limited.url, polite, { query: '{ verifierKey }' })).status).toBe(200);
  });
});
