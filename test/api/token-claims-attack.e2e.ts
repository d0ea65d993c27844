// Confused claims: bearer tokens signed with the API's own secret (so the signature holds)
// whose claims or headers are hostile or ambiguous, against every surface behind a token
// (/graphql fields of each role, the report downloads the dashboard POSTs, /tlog) and the
// public /metrics. What a reviewer checks, per case: the status; the error's code and a
// message that says what is wrong without echoing the token or the secret; no data of
// another vendor; the access log's `actor` as stored; the API's log lines (captured here)
// each one JSON line, with no token and no secret in them.
// CONTRACT 3: roles from claim `roles` (privacy_officer, auditor, vendor), the vendor in
// claim `vendorId`, `actor` the token's `sub`; no token, a bad signature, an expired
// token: HTTP 401; a field outside the role: FORBIDDEN.
// Reproduce a break: run this file; each failing case names the claim it sent.
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { createLogger } from '@scantrail/config';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import type { DataSource } from 'typeorm';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import { CapturedLog } from '../support/captured-log';
import {
  createTestDatabase,
  e2eServices,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import {
  ACME,
  CLOUD,
  D1,
  D2,
  GHOST,
  PATIENT_P,
  PATIENT_Q,
  RESEARCH,
  S1,
  S2,
  S3,
} from './api-scenario';
import { startScenarioApi } from './scenario-api';

const settings = testSettings();
const SECRET = settings.authJwtSecret;
/** A vendor whose id has a letter with an accent, registered in NFC. */
const CAFE = 'vnd-caf\u00e9';
let db: TestDatabase;
let apiDataSource: DataSource;
let api: RunningApi;
let root: string;
const captured = new CapturedLog();
/** Every token this file sent: none may appear in a log line or an answer. */
const sent = new Set<string>();

// ---------------------------------------------------------------------------------------
// Tokens, made by hand: RFC 7515 compact JWS over whatever header and payload the case needs.

type Json = Record<string, unknown>;
const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const nowS = (): number => Math.floor(Date.now() / 1000);

/**
 * A token signed with `key` (the API's secret unless told) by HMAC `hash`. `payload` may
 * be raw JSON text, for what an object cannot say (duplicate members, `__proto__`, 1e400).
 */
function forge(
  payload: Json | string,
  header: Json | string = { alg: 'HS256', typ: 'JWT' },
  options: { hash?: string; key?: Buffer } = {},
): string {
  const h = b64url(typeof header === 'string' ? header : JSON.stringify(header));
  const p = b64url(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const signature = createHmac(options.hash ?? 'sha256', options.key ?? SECRET)
    .update(`${h}.${p}`)
    .digest('base64url');
  const token = `${h}.${p}.${signature}`;
  sent.add(token);
  return token;
}

/** Claims of a well-formed token for ten minutes, with `over` changed (undefined: removed). */
function claims(over: Json): Json {
  const base: Json = {
    sub: 'claims-officer',
    roles: ['privacy_officer'],
    iat: nowS(),
    exp: nowS() + 600,
  };
  const out: Json = { ...base, ...over };
  for (const [k, v] of Object.entries(over)) if (v === undefined) delete out[k];
  return out;
}
const OFFICER = (): string => forge(claims({ sub: 'claims-officer' }));
const ACME_VENDOR = (): string =>
  forge(claims({ sub: 'claims-acme', roles: ['vendor'], vendorId: ACME }));

// ---------------------------------------------------------------------------------------
// Asking.

interface Answer {
  status: number;
  text: string;
  headers: Headers;
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string } }[];
  message?: string;
}

async function parse(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: Omit<Answer, 'status' | 'text' | 'headers'> = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: status and text say enough
  }
  return { status: response.status, text, headers: response.headers, ...body };
}

async function gql(
  bearer: string | undefined,
  query: string,
  headers: Record<string, string> = {},
  path = '/graphql',
): Promise<Answer> {
  const all: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (bearer !== undefined) all.authorization = `Bearer ${bearer}`;
  return parse(
    await fetch(`${root}${path}`, {
      method: 'POST',
      headers: all,
      body: JSON.stringify({ query }),
    }),
  );
}

async function report(bearer: string | undefined, path: string, body: Json): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  return parse(
    await fetch(`${root}/reports/${path}`, { method: 'POST', headers, body: JSON.stringify(body) }),
  );
}

async function tlog(bearer: string | undefined): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  return parse(await fetch(`${root}/tlog/checkpoint`, { headers }));
}

/** One HTTP/1.1 request written by hand (two Authorization headers, a 100 KB header). */
function rawRequest(head: string, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const socket = connect(api.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    // The server may close before it read everything (431): what it answered still counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.write(
      `${head}\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

const ACCOUNTING_P = `{ accountingOfDisclosures(patient: { system: ${JSON.stringify(PATIENT_P.system)}, value: ${JSON.stringify(PATIENT_P.value)} }) { entries { disclosureId } } }`;
const ACCESS_LOG = '{ accessLog(first: 500) { edges { node { actor roles operation } } } }';
const QUARANTINE = '{ quarantine(first: 1) { totalCount } }';
/** What a vendor may ask; its answer must hold nothing of another vendor. */
const SCOPED = `{
  vendors(first: 50) { edges { node { vendorId name address } } }
  findings(first: 200) { edges { node { vendorId studyInstanceUid code } } totalCount }
  s1: study(studyInstanceUid: ${JSON.stringify(S1)}) { studyInstanceUid disclosures { disclosureId recipient { vendorId } } }
  s3: study(studyInstanceUid: ${JSON.stringify(S3)}) { studyInstanceUid disclosures { disclosureId recipient { vendorId } } }
  trace(studyInstanceUid: ${JSON.stringify(S1)}) { nodes { id kind label } }
  deletionRequests(first: 20) { edges { node { requestId patientPseudonym } } }
  breaches(first: 20) { edges { node { breachId } } }
}`;

/** The ids and names of every vendor and study of the world, and the patients' values. */
const OTHERS = [
  ACME,
  CLOUD,
  RESEARCH,
  GHOST,
  CAFE,
  'Acme Imaging AI',
  'Cloud Host Inc',
  'Research Partner University',
  'Caf\u00e9 Vision',
  S1,
  S2,
  S3,
  D1,
  D2,
  'dsc-',
  'trf-',
  'brc-claims',
  PATIENT_P.value,
  PATIENT_Q.value,
];

/** What of another vendor's world `text` shows (the claimed id itself left out). */
function leaked(text: string, claimed: string | undefined): string[] {
  let rest = text;
  if (claimed !== undefined && claimed !== '') {
    rest = rest.split(JSON.stringify(claimed).slice(1, -1)).join('');
  }
  return OTHERS.filter((o) => rest.includes(o) || rest.includes(JSON.stringify(o).slice(1, -1)));
}

/** Neither the token nor a piece of it nor the secret in `text`. */
function echoes(text: string, token: string): string[] {
  const found: string[] = [];
  for (const part of [token, ...token.split('.').filter((p) => p.length >= 16)]) {
    if (part !== '' && text.includes(part)) found.push(`token part ${part.slice(0, 12)}...`);
  }
  for (const form of [
    SECRET.toString('hex'),
    SECRET.toString('base64'),
    SECRET.toString('base64url'),
  ]) {
    if (text.includes(form)) found.push('the secret');
  }
  return found;
}

const codes = (a: Answer): (string | undefined)[] =>
  (a.errors ?? []).map((e) => e.extensions?.code);
const forbidden = (a: Answer): boolean =>
  a.status === 200 &&
  codes(a).includes('FORBIDDEN') &&
  Object.values(a.data ?? {}).every((v) => v === null);

async function accessLogActors(): Promise<string[]> {
  const rows = await db.dataSource.query<{ actor: string }[]>(
    'SELECT actor FROM access_log ORDER BY id',
  );
  return rows.map((r) => r.actor);
}

// ---------------------------------------------------------------------------------------
// What each case must come to.

/** Refused on every route: 401 in the route's style, saying `why`, echoing nothing. */
async function expectRefused(token: string, why: RegExp, authorization?: string): Promise<void> {
  const header = { authorization: authorization ?? `Bearer ${token}` };
  const before = (await accessLogActors()).length;
  const graph = await parse(
    await fetch(`${root}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...header },
      body: JSON.stringify({ query: ACCOUNTING_P }),
    }),
  );
  const problems: string[] = [];
  if (graph.status !== 401)
    problems.push(`/graphql: HTTP ${graph.status} ${graph.text.slice(0, 200)}`);
  else {
    if (codes(graph)[0] !== 'UNAUTHENTICATED') problems.push(`/graphql code ${codes(graph)[0]}`);
    if (!why.test(graph.errors?.[0]?.message ?? ''))
      problems.push(`/graphql message ${JSON.stringify(graph.errors?.[0]?.message)} is not ${why}`);
    if (!/Bearer realm="scantrail"/.test(graph.headers.get('www-authenticate') ?? ''))
      problems.push('/graphql: no WWW-Authenticate');
  }
  const rep = await parse(
    await fetch(`${root}/reports/accounting`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...header },
      body: JSON.stringify({ patient: PATIENT_P, format: 'csv' }),
    }),
  );
  if (rep.status !== 401) problems.push(`/reports/accounting: HTTP ${rep.status}`);
  else if (!why.test(rep.message ?? ''))
    problems.push(`/reports message ${JSON.stringify(rep.message)}`);
  const tile = await parse(await fetch(`${root}/tlog/checkpoint`, { headers: header }));
  if (tile.status !== 401) problems.push(`/tlog/checkpoint: HTTP ${tile.status}`);
  for (const a of [graph, rep, tile]) {
    problems.push(...echoes(a.text, token));
    problems.push(...leaked(a.text, undefined).map((l) => `leaks ${l}`));
  }
  if ((await accessLogActors()).length !== before) problems.push('an access-log entry was written');
  expect(problems).toEqual([]);
}

/** The vendors of the world: a token naming one exactly sees what its plain vendor token sees. */
const KNOWN_VENDORS = [ACME, CLOUD, RESEARCH, GHOST, CAFE];

/**
 * Accepted as a vendor token of exactly `vendorId`: what a plain vendor token of that id
 * sees and no more (for an id of no vendor: nothing of anyone), and FORBIDDEN or 403 for
 * everything a vendor may not ask.
 */
async function expectVendorOnly(token: string, vendorId: string): Promise<void> {
  const problems: string[] = [];
  const scoped = await gql(token, SCOPED);
  if (scoped.status !== 200 || scoped.errors !== undefined)
    problems.push(`scoped query: HTTP ${scoped.status} ${scoped.text.slice(0, 300)}`);
  if (KNOWN_VENDORS.includes(vendorId)) {
    const plain = forge(claims({ sub: 'claims-plain', roles: ['vendor'], vendorId }));
    const baseline = await gql(plain, SCOPED);
    if (JSON.stringify(scoped.data) !== JSON.stringify(baseline.data))
      problems.push(
        `sees more or other than a plain ${vendorId} token: ${scoped.text.slice(0, 300)}`,
      );
  } else {
    problems.push(...leaked(scoped.text, vendorId).map((l) => `scoped query leaks ${l}`));
  }
  for (const [what, query] of [
    ['accountingOfDisclosures', ACCOUNTING_P],
    ['accessLog', ACCESS_LOG],
    ['quarantine', QUARANTINE],
    [
      'vendor(another)',
      `{ vendor(vendorId: ${JSON.stringify(vendorId === CLOUD ? ACME : CLOUD)}) { name } }`,
    ],
  ]) {
    const a = await gql(token, query);
    if (!forbidden(a)) problems.push(`${what}: HTTP ${a.status} ${a.text.slice(0, 200)}`);
    problems.push(...leaked(a.text, vendorId).map((l) => `${what} leaks ${l}`));
  }
  const rep = await report(token, 'accounting', { patient: PATIENT_P, format: 'csv' });
  if (rep.status !== 403) problems.push(`/reports/accounting: HTTP ${rep.status}`);
  const breach = await report(token, 'breach', { breachId: 'brc-claims-cloud', format: 'csv' });
  if (breach.status !== 403) problems.push(`/reports/breach: HTTP ${breach.status}`);
  const tile = await tlog(token);
  if (tile.status !== 403) problems.push(`/tlog/checkpoint: HTTP ${tile.status}`);
  for (const a of [rep, breach, tile])
    problems.push(...leaked(a.text, vendorId).map((l) => `leaks ${l}`));
  expect(problems).toEqual([]);
}

/** Accepted as an auditor: everything but the access log (and clear identifiers). */
async function expectAuditor(token: string): Promise<void> {
  const log = await gql(token, ACCESS_LOG);
  const quarantine = await gql(token, QUARANTINE);
  const rep = await report(token, 'accounting', { patient: PATIENT_P, format: 'csv' });
  const tile = await tlog(token);
  expect({
    log: forbidden(log),
    quarantine: quarantine.errors,
    report: rep.status,
    tlog: tile.status,
  }).toEqual({
    log: true,
    quarantine: undefined,
    report: 403,
    tlog: 200,
  });
}

/** Accepted as a privacy officer. */
async function expectOfficer(token: string): Promise<void> {
  const log = await gql(token, ACCESS_LOG);
  const tile = await tlog(token);
  expect({ log: log.errors, status: log.status, tlog: tile.status }).toEqual({
    log: undefined,
    status: 200,
    tlog: 200,
  });
}

// ---------------------------------------------------------------------------------------

beforeAll(async () => {
  db = await createTestDatabase();
  const extra = [
    cloudEvent(
      'org.scantrail.vendor.registered',
      exampleData('org.scantrail.vendor.registered', {
        vendorId: CAFE,
        name: 'Caf\u00e9 Vision',
        address: undefined,
        role: 'AI_DEVELOPER',
        parentVendorId: undefined,
      }),
      { time: '2024-01-01T00:00:00Z' },
    ),
    cloudEvent(
      'org.scantrail.disclosure.recorded',
      exampleData('org.scantrail.disclosure.recorded', {
        disclosureId: 'dsc-cafe',
        recipientVendorId: CAFE,
        target: { studyInstanceUid: S3 },
        purpose: 'AI_TRAINING',
        legalBasis: 'DEIDENTIFIED',
        agreementId: undefined,
      }),
      { time: '2024-06-20T00:00:00Z' },
    ),
    cloudEvent(
      'org.scantrail.breach.reported',
      exampleData('org.scantrail.breach.reported', {
        breachId: 'brc-claims-cloud',
        vendorId: CLOUD,
        discoveredAt: '2024-10-01',
        exposureFrom: undefined,
        exposureTo: undefined,
        affectedTargets: undefined,
      }),
      { time: '2024-10-02T00:00:00Z' },
    ),
  ];
  // As the API's own role, with every log line kept (info: what production logs).
  ({ api, apiDataSource } = await startScenarioApi({
    db,
    settings,
    extra,
    name: 'claims-api',
    logger: createLogger('scantrail-api', 'info', captured),
  }));
  root = api.url.replace(/\/graphql$/, '');
});

afterAll(async () => {
  await api?.close();
  await apiDataSource?.destroy();
  await db?.drop();
});

describe('the world this file attacks', () => {
  it('should answer a plain officer and a plain vendor as CONTRACT 3 says', async () => {
    await expectOfficer(OFFICER());
    await expectVendorOnly(ACME_VENDOR(), ACME);
    const cafe = forge(claims({ sub: 'claims-cafe', roles: ['vendor'], vendorId: CAFE }));
    const answer = await gql(cafe, SCOPED);
    expect(answer.text).toContain('dsc-cafe');
  });
});

describe('the roles claim', () => {
  it.each<[string, unknown, RegExp]>([
    ['an empty array', [], /no known role/],
    ['null', null, /no roles claim/],
    ['missing', undefined, /no roles claim/],
    ['a number', 1, /no roles claim/],
    ['an object', { privacy_officer: true }, /no roles claim/],
    ['a nested array', [['privacy_officer']], /no known role/],
    ['upper case', ['PRIVACY_OFFICER'], /no known role/],
    ['mixed case', ['Privacy_Officer'], /no known role/],
    ['with a trailing space', ['privacy_officer '], /no known role/],
    ['with a zero-width space', ['\u200bprivacy_officer'], /no known role/],
    ['with a soft hyphen', ['privacy\u00adofficer'], /no known role/],
    ['in full-width letters', ['\uff50rivacy_officer'], /no known role/],
    ['with a NUL', ['privacy_officer\u0000'], /no known role/],
    ['several in one string', 'privacy_officer vendor', /no known role/],
    ['unknown only', ['admin', '*', 'root'], /no known role/],
  ])('should refuse roles %s with 401', async (_name, roles, why) => {
    await expectRefused(forge(claims({ roles })), why);
  });

  it('should read roles given as one string as that one role', async () => {
    await expectAuditor(forge(claims({ roles: 'auditor' })));
  });

  it('should read duplicated roles once', async () => {
    await expectAuditor(forge(claims({ roles: ['auditor', 'auditor', 'auditor'] })));
  });

  it('should ignore unknown roles beside known ones, never widening', async () => {
    await expectAuditor(
      forge(
        claims({
          roles: [
            'auditor',
            'admin',
            'PRIVACY_OFFICER',
            ['privacy_officer'],
            { privacy_officer: true },
          ],
        }),
      ),
    );
    await expectVendorOnly(
      forge(
        claims({ roles: ['vendor', 'superuser', 'Privacy_Officer', ['auditor']], vendorId: ACME }),
      ),
      ACME,
    );
  });

  it('should give privacy_officer with auditor the wider of the two', async () => {
    await expectOfficer(forge(claims({ roles: ['auditor', 'privacy_officer'] })));
  });

  // A vendor is an outside party: a token that says vendor is scoped to its vendor,
  // whatever other role it also claims (deny wins; CONTRACT 3: a vendor gets "only what
  // concerns the vendor in claim vendorId").
  it.each<[string, string[], string]>([
    ['vendor + privacy_officer', ['vendor', 'privacy_officer'], ACME],
    ['privacy_officer + vendor', ['privacy_officer', 'vendor'], ACME],
    ['auditor + vendor', ['auditor', 'vendor'], CLOUD],
    ['all three', ['privacy_officer', 'auditor', 'vendor'], CLOUD],
  ])('should scope %s to the vendor of vendorId', async (_name, roles, vendorId) => {
    await expectVendorOnly(forge(claims({ roles, vendorId })), vendorId);
  });

  it('should refuse vendor + privacy_officer without a vendorId (a vendor token needs one)', async () => {
    await expectRefused(forge(claims({ roles: ['vendor', 'privacy_officer'] })), /vendorId/);
  });

  // RFC 7519 4 lets a parser refuse duplicates or take the last. Taken last (until session
  // 35), a reader in front that takes the first saw another role than the API.
  it.each<[string, string]>([
    ['privacy_officer, then vendor', `["privacy_officer"],"vendorId":"${ACME}"`],
    ['vendor, then privacy_officer', `["vendor"],"vendorId":"${ACME}"`],
  ])('should refuse duplicate roles members (%s) with 401', async (_name, first) => {
    const now = nowS();
    const last = first.startsWith('["v') ? '["privacy_officer"]' : '["vendor"]';
    const token = forge(
      `{"sub":"claims-dup","roles":${first},"iat":${now},"exp":${now + 600},"roles":${last}}`,
    );
    await expectRefused(token, /payload has the member roles twice/);
  });

  it('should not read roles hidden behind __proto__', async () => {
    const now = nowS();
    const token = forge(
      `{"sub":"claims-proto","__proto__":{"roles":["privacy_officer"]},"iat":${now},"exp":${now + 600}}`,
    );
    await expectRefused(token, /no roles claim/);
  });
});

describe('the vendorId claim', () => {
  const vendor = (vendorId: unknown): string =>
    forge(claims({ sub: 'claims-vendor', roles: ['vendor'], vendorId }));

  it.each<[string, unknown]>([
    ['missing', undefined],
    ['empty', ''],
    ['null', null],
    ['an array', [ACME]],
    ['a number', 7],
    ['an object', { id: ACME }],
    ['with a NUL', `${ACME}\u0000`],
    ['with a line break', `${ACME}\n`],
    ['with a lone surrogate', `${ACME}\ud800`],
  ])('should refuse a vendor token whose vendorId is %s with 401', async (_name, vendorId) => {
    await expectRefused(vendor(vendorId), /vendorId/);
  });

  it.each<[string, string]>([
    ['upper case', ACME.toUpperCase()],
    ['a leading space', ` ${ACME}`],
    ['a trailing space', `${ACME} `],
    ['full-width letters', 'ｖｎｄ－ａｃｍｅ'],
    ['a non-breaking hyphen', ACME.replace('-', '\u2011')],
    ['a zero-width space', `${ACME}\u200b`],
    ['decomposed (NFD) of a vendor registered in NFC', CAFE.normalize('NFD')],
    ['a vendor that does not exist', 'vnd-nobody'],
    ['a SQL pattern', 'vnd-%'],
  ])(
    'should scope a vendor token whose vendorId is %s to exactly that id: nothing of others',
    async (_name, vendorId) => {
      await expectVendorOnly(vendor(vendorId), vendorId);
    },
  );

  it('should ignore a vendorId on a privacy officer token (it sees every vendor, as its role says)', async () => {
    const token = forge(claims({ roles: ['privacy_officer'], vendorId: ACME }));
    await expectOfficer(token);
    const answer = await gql(token, '{ vendors(first: 50) { totalCount } }');
    // The four registered vendors (vnd-ghost, never registered, is not listed).
    expect(answer.data).toEqual({ vendors: { totalCount: 4 } });
  });

  it('should refuse duplicate vendorId members with 401, never picking one', async () => {
    const now = nowS();
    const token = forge(
      `{"sub":"claims-dupv","roles":["vendor"],"vendorId":"${CLOUD}","vendorId":"${ACME}","iat":${now},"exp":${now + 600}}`,
    );
    await expectRefused(token, /payload has the member vendorId twice/);
  });
});

describe('the sub claim (the access log actor, written to the logs)', () => {
  const officer = (sub: unknown): string => forge(claims({ sub }));

  it.each<[string, unknown]>([
    ['missing', undefined],
    ['empty', ''],
    ['a number', 42],
    ['an array', ['claims-officer']],
    ['an object', { id: 'claims-officer' }],
    ['null', null],
    ['10,000 characters', 'a'.repeat(10_000)],
    ['256 characters (OIDC Core 2: at most 255)', 'b'.repeat(256)],
    [
      'CR LF and a forged JSON log line',
      'claims-officer\r\n{"level":30,"actor":"forged-actor","msg":"accounting report produced"}',
    ],
    ['a line feed', 'claims-officer\nforged-actor'],
    ['a NUL', 'claims-officer\u0000forged-actor'],
    ['a lone surrogate', 'claims-officer\ud800'],
    ['a right-to-left override', 'claims-\u202erotidua'],
    ['a zero-width space', 'claims-\u200bofficer'],
    ['U+2028 line separator', 'claims-officer\u2028forged-actor'],
    ['only spaces', '   '],
  ])('should refuse a sub that is %s with 401', async (_name, sub) => {
    await expectRefused(officer(sub), /\bsub\b/);
    expect((await accessLogActors()).filter((a) => a.includes('forged-actor'))).toEqual([]);
  });

  it.each<[string, string]>([
    ['255 characters', 'c'.repeat(255)],
    [
      'JSON text',
      '{"actor":"forged-actor","roles":["privacy_officer"],"operation":"accountingOfDisclosures"}',
    ],
    ['accented letters', 'm\u00e9decin-chef'],
    ['an e-mail address', 'officer@hospital.example'],
  ])(
    'should record a sub that is %s as the actor exactly as sent, on one log line',
    async (_name, sub) => {
      const before = await accessLogActors();
      const token = officer(sub);
      const answer = await gql(token, ACCOUNTING_P);
      expect({ status: answer.status, errors: answer.errors }).toEqual({
        status: 200,
        errors: undefined,
      });
      const after = await accessLogActors();
      expect(after.slice(before.length)).toEqual([sub]);
      const read = await gql(token, ACCESS_LOG);
      const actors = (read.data?.accessLog as { edges: { node: { actor: string } }[] }).edges.map(
        (e) => e.node.actor,
      );
      expect(actors).toContain(sub);
      expect(actors).not.toContain('forged-actor');
    },
  );

  it('should keep honest lookups recorded and answered while hostile subs ask at the same time', async () => {
    const hostile = [officer('claims-x\u0000'), officer('claims-y\ud800')];
    const honest = officer('claims-honest');
    const before = (await accessLogActors()).filter((a) => a === 'claims-honest').length;
    // Records arriving while one is written are written together (group commit): five
    // rounds of 40 at once, half of them hostile, so honest ones share groups with them.
    const answers: { i: number; a: Answer }[] = [];
    for (let round = 0; round < 5; round += 1) {
      const asks = Array.from({ length: 40 }, (_, i) =>
        gql(i % 2 === 0 ? honest : hostile[(i >> 1) % 2], ACCOUNTING_P).then((a) => ({ i, a })),
      );
      answers.push(...(await Promise.all(asks)));
    }
    const honestFailed = answers
      .filter(({ i }) => i % 2 === 0)
      .filter(({ a }) => a.status !== 200 || a.errors !== undefined)
      .map(({ a }) => `${a.status} ${a.errors?.[0]?.message ?? ''}`);
    expect(honestFailed).toEqual([]);
    const after = (await accessLogActors()).filter((a) => a === 'claims-honest').length;
    expect(after - before).toBe(100);
  });
});

describe('the time claims', () => {
  const t = (): number => nowS();
  it.each<[string, () => Json | string, RegExp]>([
    ['exp as a string', () => claims({ exp: String(t() + 600) }), /exp is not a NumericDate/],
    ['iat as a string', () => claims({ iat: String(t()) }), /iat is not a NumericDate/],
    ['nbf as a string', () => claims({ nbf: String(t() - 10) }), /nbf is not a NumericDate/],
    ['exp as true', () => claims({ exp: true }), /exp is not a NumericDate/],
    ['exp null', () => claims({ exp: null }), /exp is not a NumericDate/],
    [
      'exp and iat missing',
      () => claims({ exp: undefined, iat: undefined }),
      /neither exp nor iat/,
    ],
    [
      'exp missing and iat past the lifetime cap',
      () => claims({ exp: undefined, iat: t() - 13 * 3600 }),
      /expired \(no exp/,
    ],
    [
      'iat missing and exp beyond the lifetime cap from now',
      () => claims({ iat: undefined, exp: t() + 13 * 3600 }),
      /lifetime exceeds .*no iat/,
    ],
    ['exp negative', () => claims({ exp: -1 }), /expired/],
    ['exp 0', () => claims({ exp: 0 }), /expired/],
    ['iat negative (an eternal token)', () => claims({ iat: -1e12 }), /lifetime/],
    [
      'iat far in the future',
      () => claims({ iat: t() + 10 * 365 * 86400, exp: t() + 10 * 365 * 86400 + 600 }),
      /future/,
    ],
    ['nbf in the future', () => claims({ nbf: t() + 3600 }), /not valid yet/],
    ['exp 1e308', () => claims({ exp: 1e308 }), /lifetime/],
    ['exp and iat 1e308', () => claims({ exp: 1e308, iat: 1e308 }), /future/],
    [
      'exp 1e400 (Infinity once parsed)',
      () => `{"sub":"claims-inf","roles":["privacy_officer"],"iat":${t()},"exp":1e400}`,
      /exp is not a NumericDate/,
    ],
    ['exp just past', () => claims({ iat: t() - 100, exp: t() - 1 }), /expired/],
    // Without exp, iat alone says when the token ends (iat + AUTH_TOKEN_MAX_LIFETIME_S).
    // 90 s: past the 60 s allowed for clock skew by more than a loaded machine takes between
    // forging and the last of the three requests (at 61 s, nowS()'s whole second made the
    // margin under a second: refused only if every request came within the same second).
    ['no exp, iat 90 s ahead', () => claims({ exp: undefined, iat: t() + 90 }), /future/],
    [
      'no exp, iat ten years ahead',
      () => claims({ exp: undefined, iat: t() + 10 * 365 * 86400 }),
      /future/,
    ],
    ['no exp, iat 1e308', () => claims({ exp: undefined, iat: 1e308 }), /future/],
    ['no exp, iat as a string', () => claims({ exp: undefined, iat: String(t()) }), /iat is not/],
    ['no exp, iat negative', () => claims({ exp: undefined, iat: -1 }), /expired \(no exp/],
    ['no exp, iat -1e308', () => claims({ exp: undefined, iat: -1e308 }), /expired \(no exp/],
    [
      'no exp, iat 1e400 (Infinity once parsed)',
      () => `{"sub":"claims-inf","roles":["privacy_officer"],"iat":1e400}`,
      /iat is not a NumericDate/,
    ],
    [
      'no exp, iat -1e400 (-Infinity once parsed)',
      () => `{"sub":"claims-inf","roles":["privacy_officer"],"iat":-1e400}`,
      /iat is not a NumericDate/,
    ],
    [
      'no exp, nbf an hour ahead',
      () => claims({ exp: undefined, nbf: t() + 3600 }),
      /not valid yet/,
    ],
    [
      'no exp, an old iat first and a fresh one last (duplicate members)',
      () => `{"sub":"claims-dupt","roles":["privacy_officer"],"iat":${t() - 1e9},"iat":${t()}}`,
      /payload has the member iat twice/,
    ],
    [
      'exp twice, a short one first, then one spelt \\u0065xp',
      () =>
        `{"sub":"claims-dupe","roles":["privacy_officer"],"iat":${t()},"exp":${t() + 60},"\\u0065xp":${t() + 600}}`,
      /payload has the member exp twice/,
    ],
  ])('should refuse %s with 401', async (_name, payload, why) => {
    await expectRefused(forge(payload()), why);
  });

  it('should accept a token without iat (RFC 7519 4.1.6: optional) whose exp is within the cap', async () => {
    await expectOfficer(forge(claims({ iat: undefined, exp: t() + 3600 })));
  });

  it('should accept a token without exp (iat only, what jsonwebtoken signs by default) and one whose iat is a little ahead', async () => {
    await expectOfficer(forge(claims({ exp: undefined })));
    await expectOfficer(forge(claims({ exp: undefined, iat: t() + 30 })));
    await expectOfficer(forge(claims({ exp: undefined, iat: t() - 11 * 3600 + 0.5 })));
  });

  it('should accept fractional NumericDates (RFC 7519 2: non-integer values are allowed)', async () => {
    await expectOfficer(forge(claims({ iat: t() - 0.5, exp: t() + 600.25, nbf: t() - 1.5 })));
  });
});

describe('the JOSE header', () => {
  const payload = (): Json => claims({ sub: 'claims-header' });

  it.each<[string, Json | string, string?, Buffer?]>([
    ['HS384, signed with the secret', { alg: 'HS384', typ: 'JWT' }, 'sha384'],
    ['HS512, signed with the secret', { alg: 'HS512', typ: 'JWT' }, 'sha512'],
    [
      'RS256, HMAC-signed with the secret as if it were the public key',
      { alg: 'RS256', typ: 'JWT' },
    ],
    ['hs256 in lower case', { alg: 'hs256', typ: 'JWT' }],
    ['no alg', { typ: 'JWT' }],
    ['alg as an array', { alg: ['HS256'] }],
    ['none', { alg: 'none' }],
    [
      'crit naming an unknown extension (RFC 7515 4.1.11)',
      { alg: 'HS256', crit: ['x-scantrail-unknown'], 'x-scantrail-unknown': 1 },
    ],
    ['crit empty', { alg: 'HS256', crit: [] }],
    ['crit b64 with b64 false (RFC 7797)', { alg: 'HS256', b64: false, crit: ['b64'] }],
    [
      'jwk of the attacker, signed with its key',
      { alg: 'HS256', jwk: { kty: 'oct', k: b64url('attacker-key-attacker-key-attacker') } },
      'sha256',
      Buffer.from('attacker-key-attacker-key-attacker'),
    ],
    [
      'jku of the attacker, signed with its key',
      { alg: 'HS256', jku: 'https://attacker.example/jwks.json' },
      'sha256',
      Buffer.from('attacker-key-attacker-key-attacker'),
    ],
    [
      'x5u of the attacker, signed with its key',
      { alg: 'HS256', x5u: 'https://attacker.example/cert.pem' },
      'sha256',
      Buffer.from('attacker-key-attacker-key-attacker'),
    ],
    [
      'kid naming another key, signed with it',
      { alg: 'HS256', kid: '../../../dev/null' },
      'sha256',
      Buffer.alloc(0),
    ],
    ['a header that is a JSON array', '[{"alg":"HS256"}]'],
    ['duplicate alg members, none first', '{"alg":"none","alg":"HS256"}'],
    // A rest parameter: Jest passes `done` to a function declaring more parameters than a row has.
  ])('should refuse %s with 401', async (...[, header, hash, key]) => {
    await expectRefused(
      forge(payload(), header, { hash, key }),
      /algorithm|critical|signature|header/,
    );
  });

  it.each<[string, Json | string]>([
    ['kid', { alg: 'HS256', typ: 'JWT', kid: 'rotated-key-2' }],
    ['jku', { alg: 'HS256', jku: 'https://attacker.example/jwks.json' }],
    ['jwk', { alg: 'HS256', jwk: { kty: 'oct', k: 'AAAA' } }],
    ['x5u', { alg: 'HS256', x5u: 'https://attacker.example/cert.pem' }],
    ['b64 false without crit (RFC 7797 6: ignored)', { alg: 'HS256', b64: false }],
    ['typ at+jwt (RFC 9068 access token)', { alg: 'HS256', typ: 'at+jwt' }],
    ['typ application/at+jwt', { alg: 'HS256', typ: 'application/at+jwt' }],
    ['typ jwt in lower case', { alg: 'HS256', typ: 'jwt' }],
  ])(
    'should ignore %s beside the right key and algorithm: only the secret counts',
    async (_name, header) => {
      await expectOfficer(forge(payload(), header));
    },
  );

  // RFC 8725 3.11 (explicit typing): a JWT of another kind signed with the same secret (an
  // identity provider's logout token or security event, sharing AUTH_JWT_SECRET) must not
  // pass for an access token. On main every one of these was accepted as the officer.
  it.each<[string, unknown]>([
    ['logout+jwt (an OpenID Connect back-channel logout token)', 'logout+jwt'],
    ['secevent+jwt (a security event token, RFC 8417)', 'secevent+jwt'],
    ['application/secevent+jwt', 'application/secevent+jwt'],
    ['dpop+jwt (a DPoP proof, RFC 9449)', 'dpop+jwt'],
    ['JWE', 'JWE'],
    ['a number', 1],
  ])('should refuse typ %s with 401: not an access token', async (_name, typ) => {
    await expectRefused(forge(payload(), { alg: 'HS256', typ }), /typ/);
  });

  it('should refuse a JWE-shaped token (five segments) and a four-segment token', async () => {
    const good = OFFICER();
    await expectRefused(`${good}.AAAA.BBBB`, /three segments/);
    await expectRefused(`${good}.AAAA`, /three segments/);
  });
});

describe('how the token is carried', () => {
  it('should accept the scheme in any case (RFC 7235 2.1)', async () => {
    const token = OFFICER();
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const a = await gql(undefined, ACCESS_LOG, { authorization: `${scheme} ${token}` });
      expect({ scheme, status: a.status, errors: a.errors }).toEqual({
        scheme,
        status: 200,
        errors: undefined,
      });
    }
  });

  it('should not read a token from the query string or a cookie', async () => {
    const token = OFFICER();
    const inQuery = await gql(undefined, ACCESS_LOG, {}, `/graphql?access_token=${token}`);
    const inCookie = await gql(undefined, ACCESS_LOG, {
      cookie: `access_token=${token}; token=${token}`,
    });
    const reportInQuery = await fetch(`${root}/reports/accounting?access_token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ patient: PATIENT_P }),
    });
    const tileInCookie = await fetch(`${root}/tlog/checkpoint`, {
      headers: { cookie: `access_token=${token}` },
    });
    expect([inQuery.status, inCookie.status, reportInQuery.status, tileInCookie.status]).toEqual([
      401, 401, 401, 401,
    ]);
    expect([
      ...echoes(inQuery.text, token),
      ...echoes(inCookie.text, token),
      ...echoes(await reportInQuery.text(), token),
    ]).toEqual([]);
  });

  it('should refuse a Basic header carrying the token as a password', async () => {
    const token = OFFICER();
    await expectRefused(token, /Bearer/, `Basic ${Buffer.from(`x:${token}`).toString('base64')}`);
  });

  it('should answer a 100 KB token with 431, echoing nothing', async () => {
    const token = forge(claims({ sub: 'claims-big', pad: 'x'.repeat(100 * 1024) }));
    const answer = await rawRequest(
      `POST /graphql HTTP/1.1\r\nAuthorization: Bearer ${token}`,
      JSON.stringify({ query: '{ verifierKey }' }),
    );
    expect(answer.status).toBe(431);
    expect(echoes(answer.text, token)).toEqual([]);
  });

  it.each<[string, () => string[]]>([
    ['a vendor token first, an officer token second', () => [ACME_VENDOR(), OFFICER()]],
    ['an officer token first, a vendor token second', () => [OFFICER(), ACME_VENDOR()]],
    ['a bad token first, an officer token second', () => ['x.y.z', OFFICER()]],
  ])(
    'should refuse two Authorization headers (%s): which one counts is a proxy-dependent guess',
    async (_name, tokens) => {
      const [first, second] = tokens();
      const body = JSON.stringify({ query: ACCESS_LOG });
      const head = `Authorization: Bearer ${first}\r\nAuthorization: Bearer ${second}`;
      for (const path of ['/graphql', '/reports/accounting', '/tlog/checkpoint']) {
        const method = path.startsWith('/tlog') ? 'GET' : 'POST';
        const answer = await rawRequest(
          `${method} ${path} HTTP/1.1\r\n${head}`,
          method === 'GET' ? '' : body,
        );
        expect({ path, status: answer.status }).toEqual({ path, status: 400 });
        expect(answer.text).toMatch(/one Authorization header/);
        expect([...echoes(answer.text, first), ...echoes(answer.text, second)]).toEqual([]);
        expect(leaked(answer.text, undefined)).toEqual([]);
      }
    },
  );
});

describe('a rotated signing secret', () => {
  it('should refuse a token of the old secret once the API runs with a new one (AUTH_JWT_SECRET has one key: rotation is a restart)', async () => {
    const old = OFFICER();
    expect((await gql(old, ACCESS_LOG)).status).toBe(200);
    const rotated = {
      ...settings,
      ledgerSigner: undefined,
      authJwtSecret: Buffer.from('n'.repeat(48)),
    };
    const next = await startApi({
      settings: rotated,
      dataSource: apiDataSource,
      kafkaBrokers: e2eServices().brokers,
      logger: createLogger('scantrail-api', 'info', captured),
    });
    try {
      const refused = await parse(
        await fetch(next.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${old}` },
          body: JSON.stringify({ query: ACCESS_LOG }),
        }),
      );
      expect(refused.status).toBe(401);
      expect(refused.errors?.[0].message).toMatch(/signature does not verify/);
      expect(echoes(refused.text, old)).toEqual([]);
      const fresh = forge(claims({}), undefined, { key: rotated.authJwtSecret });
      const accepted = await fetch(next.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${fresh}` },
        body: JSON.stringify({ query: ACCESS_LOG }),
      });
      expect(accepted.status).toBe(200);
    } finally {
      await next.close();
    }
  });
});

describe('what stays behind', () => {
  it('should keep /metrics free of subs, vendor ids and tokens (it is public)', async () => {
    const text = await (await fetch(`${root}/metrics`)).text();
    expect(text).toContain('# HELP');
    const found = [...sent].flatMap((token) => echoes(text, token));
    expect(found).toEqual([]);
    expect(text).not.toMatch(/claims-|forged-actor|vnd-/);
  });

  it('should have written one JSON object a line to the API log, with no token, no secret and no forged line', () => {
    const lines = captured.text.split('\n').filter((l) => l !== '');
    const notJson = lines.filter((l) => {
      try {
        return typeof JSON.parse(l) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    const forged = lines.filter(
      (l) => (JSON.parse(l) as { actor?: unknown }).actor === 'forged-actor',
    );
    expect(forged).toEqual([]);
    const found = [...sent].flatMap((token) => echoes(captured.text, token));
    expect([...new Set(found)]).toEqual([]);
  });
});
