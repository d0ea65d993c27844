import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import { Viewer } from '@scantrail/access';
import { buildSchema, GraphQLError, Kind, parse, type OperationDefinitionNode } from 'graphql';
import pino from 'pino';
import { compiledQueryPlugin } from './compiled-query.plugin';
import {
  apolloJson,
  FindingsAnswerCache,
  isFindingsAnswer,
  MAX_VARIABLES_CHARS,
  scopeKey,
} from './findings-answer-cache';
import { findingsAnswerCachePlugin } from './findings-answer-cache.plugin';
import { formatGraphQLError } from './graphql-errors';

const officer = new Viewer('po', ['privacy_officer']);
const auditor = new Viewer('au', ['auditor']);
const vendorA = new Viewer('a', ['vendor'], 'vnd-a');
const vendorB = new Viewer('b', ['vendor'], 'vnd-b');

const PAGE = `edges { cursor node { code studyInstanceUid vendorId eventId occurredAt ledgerSequence detail } }
  pageInfo { hasNextPage endCursor } totalCount`;

function accepts(query: string): boolean {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  return isFindingsAnswer(document, operation!);
}

describe('isFindingsAnswer', () => {
  it.each([
    [
      'the bench page',
      `query Findings($vendorId: String) { findings(first: 50, vendorId: $vendorId) { ${PAGE} } }`,
    ],
    [
      'aliases and typenames',
      `{ __typename a: findings(first: 2) { __typename totalCount } b: findings(code: NO_CONSENT) { edges { node { __typename code } } } }`,
    ],
    [
      'a fragment and an inline fragment',
      `{ findings { ...Page } } fragment Page on FindingConnection { totalCount ... on FindingConnection { pageInfo { endCursor } } }`,
    ],
  ])('should accept %s', (_, query) => {
    expect(accepts(query)).toBe(true);
  });

  it.each([
    ['another root field beside it', `{ findings { totalCount } verifierKey }`],
    [
      'the clock (ledger.findingsLagSeconds)',
      `{ findings { totalCount } ledger { findingsLagSeconds } }`,
    ],
    [
      "a vendor's findings (another table)",
      `{ vendor(vendorId: "v") { findings { totalCount } } }`,
    ],
    [
      'a field outside the stored finding',
      `{ findings { edges { node { code study { modality } } } } }`,
    ],
    ['a directive', `query($s: Boolean!) { findings { totalCount @skip(if: $s) } }`],
    [
      'a directive on a fragment spread',
      `query($s: Boolean!) { findings { ...P @include(if: $s) } } fragment P on FindingConnection { totalCount }`,
    ],
    ['a mutation', `mutation { findings { totalCount } }`],
    ['no findings at all', `{ __typename }`],
    ['a leaf asked as an object', `{ findings { totalCount { x } } }`],
    ['an object asked as a leaf', `{ findings { pageInfo } }`],
    ['an unknown fragment', `{ findings { ...Missing } }`],
  ])('should refuse %s', (_, query) => {
    expect(accepts(query)).toBe(false);
  });
});

describe('scopeKey', () => {
  it('should tell vendors, and roles, apart, whatever the order of roles', () => {
    expect(scopeKey(vendorA)).not.toBe(scopeKey(vendorB));
    expect(scopeKey(officer)).not.toBe(scopeKey(auditor));
    expect(scopeKey(officer)).not.toBe(scopeKey(vendorA));
    expect(scopeKey(new Viewer('x', ['auditor', 'vendor'], 'v'))).toBe(
      scopeKey(new Viewer('y', ['vendor', 'auditor'], 'v')),
    );
  });
});

/** A cache whose generation the test sets. */
function cacheAt(options: { maxEntries?: number; maxBytes?: number } = {}) {
  const state = { generation: '100', fail: false };
  const cache = new FindingsAnswerCache({
    ...options,
    generation: () =>
      state.fail ? Promise.reject(new Error('down')) : Promise.resolve(state.generation),
  });
  return { cache, state };
}

async function counts(cache: FindingsAnswerCache): Promise<Record<string, number>> {
  const metric = await cache.lookups.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.result), v.value]));
}

/** Asks a key twice (an answer is kept from its second miss) and keeps `data` for it. */
async function missAndKeep(
  cache: FindingsAnswerCache,
  viewer: Viewer,
  variables: Record<string, unknown>,
  data: Record<string, unknown>,
): Promise<void> {
  const first = await cache.lookup(viewer, 'hash', 'Q', variables);
  if (first.kind !== 'miss' || first.keep) throw new Error('expected a first miss');
  const found = await cache.lookup(viewer, 'hash', 'Q', variables);
  if (found.kind !== 'miss' || !found.keep) throw new Error('expected a second miss, kept');
  cache.keep(found.key, found.generation, data);
}

describe('FindingsAnswerCache', () => {
  it('should serve a kept answer only for the same generation, scope, document, operation and variables', async () => {
    const { cache, state } = cacheAt();
    const data = { findings: { totalCount: 3 } };
    await missAndKeep(cache, officer, { first: 5 }, data);
    expect(await cache.lookup(officer, 'hash', 'Q', { first: 5 })).toEqual({ kind: 'hit', data });
    expect((await cache.lookup(auditor, 'hash', 'Q', { first: 5 })).kind).toBe('miss');
    expect((await cache.lookup(officer, 'other', 'Q', { first: 5 })).kind).toBe('miss');
    expect((await cache.lookup(officer, 'hash', 'R', { first: 5 })).kind).toBe('miss');
    expect((await cache.lookup(officer, 'hash', 'Q', { first: 6 })).kind).toBe('miss');
    expect((await cache.lookup(officer, 'hash', 'Q', {})).kind).toBe('miss');
    state.generation = '101';
    expect((await cache.lookup(officer, 'hash', 'Q', { first: 5 })).kind).toBe('miss');
    expect(cache.size).toBe(0);
    expect(await counts(cache)).toEqual({ hit: 1, miss: 8 });
  });

  it("should never serve one vendor's page to another", async () => {
    const { cache } = cacheAt();
    await missAndKeep(cache, vendorA, {}, { findings: { totalCount: 1 } });
    expect((await cache.lookup(vendorB, 'hash', 'Q', {})).kind).toBe('miss');
    expect((await cache.lookup(vendorA, 'hash', 'Q', {})).kind).toBe('hit');
  });

  it('should not keep an answer made under a generation older than one seen since', async () => {
    const { cache, state } = cacheAt();
    await cache.lookup(officer, 'hash', 'Q', {});
    const found = await cache.lookup(officer, 'hash', 'Q', {});
    state.generation = '105';
    await cache.lookup(officer, 'hash', 'Other', {});
    if (found.kind !== 'miss') throw new Error('expected a miss');
    cache.keep(found.key, found.generation, { findings: null });
    expect(cache.size).toBe(0);
    // A generation lower than the latest (a lagging reader) is looked up but never kept.
    state.generation = '104';
    await missAndKeep(cache, officer, {}, { findings: null });
    expect(cache.size).toBe(0);
  });

  it('should bypass, counted, when the generation cannot be read or the variables are long', async () => {
    const { cache, state } = cacheAt();
    state.fail = true;
    expect(await cache.lookup(officer, 'hash', 'Q', {})).toEqual({ kind: 'bypass' });
    state.fail = false;
    const long = { after: 'x'.repeat(MAX_VARIABLES_CHARS) };
    expect(await cache.lookup(officer, 'hash', 'Q', long)).toEqual({ kind: 'bypass' });
    expect(await counts(cache)).toEqual({ bypass: 2 });
  });

  it('should hold at most maxEntries answers, the least recently used leaving first', async () => {
    const { cache } = cacheAt({ maxEntries: 2 });
    await missAndKeep(cache, officer, { n: 1 }, { n: 1 });
    await missAndKeep(cache, officer, { n: 2 }, { n: 2 });
    expect((await cache.lookup(officer, 'hash', 'Q', { n: 1 })).kind).toBe('hit');
    await missAndKeep(cache, officer, { n: 3 }, { n: 3 });
    expect(cache.size).toBe(2);
    expect((await cache.lookup(officer, 'hash', 'Q', { n: 2 })).kind).toBe('miss');
    expect((await cache.lookup(officer, 'hash', 'Q', { n: 1 })).kind).toBe('hit');
  });

  it('should hold at most maxBytes, counted as three times each answer text', async () => {
    const text = (n: number): Record<string, unknown> => ({ s: 'x'.repeat(n) });
    const size = apolloJson({ data: text(100) }).length * 3;
    const { cache } = cacheAt({ maxBytes: size * 2 });
    await missAndKeep(cache, officer, { n: 1 }, text(100));
    await missAndKeep(cache, officer, { n: 2 }, text(100));
    expect(cache.size).toBe(2);
    await missAndKeep(cache, officer, { n: 3 }, text(100));
    expect(cache.size).toBe(2);
    // Larger than the whole bound: never kept.
    await missAndKeep(cache, officer, { n: 4 }, text(1_000));
    expect((await cache.lookup(officer, 'hash', 'Q', { n: 4 })).kind).toBe('miss');
  });

  it('should keep an answer only from the second time its key is asked in a generation', async () => {
    const { cache, state } = cacheAt();
    const ask = () => cache.lookup(officer, 'hash', 'Q', { p: 1 });
    expect(await ask()).toMatchObject({ kind: 'miss', keep: false });
    expect(await ask()).toMatchObject({ kind: 'miss', keep: true });
    state.generation = '101';
    expect(await ask()).toMatchObject({ kind: 'miss', keep: false });
  });

  it("should give Apollo's bytes from stringify, kept or not, and keep answers unchanged", async () => {
    const { cache } = cacheAt();
    const data = { findings: { edges: [{ cursor: 'c', node: { code: 'NO_CONSENT' } }] } };
    const expected = apolloJson({ data });
    await missAndKeep(cache, officer, {}, data);
    expect(Object.isFrozen(data.findings.edges[0].node)).toBe(true);
    expect(cache.stringify({ errors: undefined, data, extensions: undefined })).toBe(expected);
    expect(cache.stringify({ data: { other: 1 } })).toBe(apolloJson({ data: { other: 1 } }));
    const errors = [{ message: 'm' }];
    expect(cache.stringify({ errors, data })).toBe(apolloJson({ errors, data }));
  });
});

// Through Apollo: the plugin before compiledQueryPlugin, against a server without it.
const SDL = `
  type Query { findings(vendorId: String, first: Int): FindingConnection!, verifierKey: String! }
  type FindingConnection { edges: [FindingEdge!]!, pageInfo: PageInfo!, totalCount: Int! }
  type FindingEdge { cursor: String!, node: Finding! }
  type PageInfo { hasNextPage: Boolean!, endCursor: String }
  type Finding { code: String!, vendorId: String!, ledgerSequence: Int!, detail: String! }
`;

interface World {
  findings: { code: string; vendorId: string; ledgerSequence: number; detail: string }[];
  reads: number;
}

function serverOf(world: World, cache?: FindingsAnswerCache): ApolloServer<BaseContext> {
  const schema = buildSchema(SDL);
  const query = schema.getQueryType()!.getFields();
  query.findings.resolve = (
    _: unknown,
    args: { vendorId?: string; first?: number },
    ctx: { viewer: Viewer },
  ) => {
    world.reads += 1;
    if (args.vendorId === 'refused') {
      throw new GraphQLError('vendorId: refused', { extensions: { code: 'FORBIDDEN' } });
    }
    const scope = ctx.viewer.vendorScope ?? args.vendorId;
    const rows = world.findings.filter((f) => scope === undefined || f.vendorId === scope);
    const page = rows.slice(0, args.first ?? 50);
    return Promise.resolve({
      edges: page.map((node) => ({ cursor: `c${node.ledgerSequence}`, node })),
      pageInfo: {
        hasNextPage: rows.length > page.length,
        endCursor: page.at(-1) ? `c${page.at(-1)!.ledgerSequence}` : null,
      },
      totalCount: rows.length,
    });
  };
  query.verifierKey.resolve = () => 'key';
  const formatError = formatGraphQLError(pino({ level: 'silent' }));
  return new ApolloServer({
    schema,
    formatError,
    plugins: [
      ...(cache === undefined ? [] : [findingsAnswerCachePlugin(cache)]),
      compiledQueryPlugin(formatError),
    ],
    ...(cache === undefined ? {} : { stringifyResult: (v) => cache.stringify(v) }),
  });
}

async function http(
  server: ApolloServer<BaseContext>,
  viewer: Viewer,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<string> {
  await server.start().catch(() => undefined);
  const headers = new HeaderMap([['content-type', 'application/json']]);
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers, search: '', body: { query, variables } },
    context: () => Promise.resolve({ viewer }),
  });
  if (response.body.kind !== 'complete') throw new Error('not a complete body');
  return JSON.stringify({
    status: response.status,
    headers: [...response.headers],
    body: response.body.string,
  });
}

describe('findingsAnswerCachePlugin', () => {
  const QUERY = `query F($vendorId: String, $first: Int) { findings(vendorId: $vendorId, first: $first) { edges { cursor node { code vendorId ledgerSequence detail } } pageInfo { hasNextPage endCursor } totalCount } }`;

  function worlds() {
    const rows = (): World['findings'] => [
      { code: 'NO_CONSENT', vendorId: 'vnd-a', ledgerSequence: 1, detail: 'd1' },
      { code: 'NO_AGREEMENT', vendorId: 'vnd-b', ledgerSequence: 2, detail: 'd2' },
    ];
    const plainWorld: World = { findings: rows(), reads: 0 };
    const cachedWorld: World = { findings: rows(), reads: 0 };
    const { cache, state } = cacheAt();
    return {
      plain: serverOf(plainWorld),
      cached: serverOf(cachedWorld, cache),
      plainWorld,
      cachedWorld,
      state,
      cache,
    };
  }

  it('should answer byte for byte as Apollo without it, head included, and read once per generation', async () => {
    const w = worlds();
    for (const [viewer, variables] of [
      [officer, {}],
      [officer, { first: 1 }],
      [vendorA, {}],
      [vendorB, {}],
    ] as const) {
      const expected = await http(w.plain, viewer, QUERY, variables);
      const sent = JSON.parse(expected) as { status?: number; body: string };
      expect(sent.status).toBeUndefined(); // 200
      expect(sent.body).toMatch(/^\{"data":\{"findings":\{"edges":\[\{"cursor"/);
      const reads = w.cachedWorld.reads;
      for (let i = 0; i < 5; i++)
        expect(await http(w.cached, viewer, QUERY, variables)).toBe(expected);
      // Asked once: answered; asked again: answered and kept; then served kept.
      expect(w.cachedWorld.reads - reads).toBe(2);
    }
  });

  it('should answer from the findings again once the generation moves (no stale page)', async () => {
    const w = worlds();
    await http(w.cached, officer, QUERY);
    await http(w.cached, officer, QUERY);
    const added = { code: 'PATIENT_OBJECTED', vendorId: 'vnd-a', ledgerSequence: 3, detail: 'd3' };
    w.cachedWorld.findings.push(added);
    w.plainWorld.findings.push({ ...added });
    // The findings changed without the generation: the kept page stands (what the
    // triggers make impossible), which shows the page is kept ...
    expect(await http(w.cached, officer, QUERY)).not.toBe(await http(w.plain, officer, QUERY));
    // ... and a moved generation gives the new page at once.
    w.state.generation = '101';
    expect(await http(w.cached, officer, QUERY)).toBe(await http(w.plain, officer, QUERY));
  });

  it('should never keep an answer with errors, nor operations it may not keep', async () => {
    const w = worlds();
    const expected = await http(w.plain, officer, QUERY, { vendorId: 'refused' });
    const reads = w.cachedWorld.reads;
    for (let i = 0; i < 3; i++)
      expect(await http(w.cached, officer, QUERY, { vendorId: 'refused' })).toBe(expected);
    expect(w.cachedWorld.reads - reads).toBe(3);
    const mixed = `{ findings { totalCount } verifierKey }`;
    for (let i = 0; i < 3; i++)
      expect(await http(w.cached, officer, mixed)).toBe(await http(w.plain, officer, mixed));
    expect(w.cachedWorld.reads - reads).toBe(6);
    expect(w.cache.size).toBe(0);
  });
});
