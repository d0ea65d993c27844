import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { buildSchema, GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import pino from 'pino';
import {
  compiledQueryPlugin,
  RUNS_BEFORE_COMPILING,
  type FormatError,
} from './compiled-query.plugin';
import { FindingsAnswerCache } from './findings-answer-cache';
import { formatGraphQLError } from './graphql-errors';
import { graphqlOptions } from './graphql-options';
import type { RequestLoadersFactory } from './request-loaders';
import type { Settings } from '@scantrail/config';

const SDL = `
  type Query {
    item(id: Int!): Item
    items(first: Int = 2): [Item!]!
    required: Item!
    refused: String
    teapot: String
    plain: String
  }
  type Item { id: Int!, name: String!, broken: String!, tags: [String!] }
  type Mutation { touch: Int! }
`;

function testSchema(): GraphQLSchema {
  const schema = buildSchema(SDL);
  const item = (id: number) => ({ id, name: `item ${id}`, broken: null, tags: ['a', 'b'] });
  const query = schema.getQueryType()!.getFields();
  query.item.resolve = (_: unknown, args: { id: number }) => (args.id < 0 ? null : item(args.id));
  query.items.resolve = (_: unknown, args: { first: number }) =>
    Promise.resolve(Array.from({ length: args.first }, (_v, i) => item(i)));
  query.required.resolve = () => null;
  query.refused.resolve = () => {
    throw new GraphQLError('not for you', { extensions: { code: 'FORBIDDEN' } });
  };
  // An error that asks for an HTTP status and header, as Apollo lets any error do.
  query.teapot.resolve = () => {
    throw new GraphQLError('short and stout', {
      extensions: {
        code: 'BAD_USER_INPUT',
        http: { status: 418, headers: new Map([['x-teapot', 'yes']]) },
      },
    });
  };
  query.plain.resolve = () => Promise.reject(new Error('connection reset (internal detail)'));
  const fields = schema.getType('Item') as unknown as {
    getFields(): Record<string, { resolve?: unknown }>;
  };
  fields.getFields().name.resolve = (p: { id: number; name: string }) => {
    if (p.id === 3) throw new Error('a plain failure');
    return p.name;
  };
  return schema;
}

const silent = pino({ level: 'silent' });

/** What a client receives from Apollo, head and body, for one request. */
async function ask(
  server: ApolloServer,
  query: string,
  variables?: Record<string, unknown>,
): Promise<string> {
  const response = await server.executeOperation({ query, variables });
  return JSON.stringify({
    status: response.http.status,
    headers: [...response.http.headers],
    body: response.body,
  });
}

/** Apollo with graphql-js only, and Apollo with the plugin, each run several times. */
async function bothWays(query: string, variables?: Record<string, unknown>) {
  const formatError = formatGraphQLError(silent);
  const seen: string[] = [];
  // Records what Apollo's willSendResponse listeners see, on both servers.
  const recorder: ApolloServerPlugin<BaseContext> = {
    requestDidStart: () =>
      Promise.resolve({
        willSendResponse: ({ errors }) => {
          seen.push(JSON.stringify(errors?.map((e) => [e.message, e.path, e.extensions])));
          return Promise.resolve();
        },
      }),
  };
  const plain = new ApolloServer({ schema: testSchema(), formatError, plugins: [recorder] });
  const compiled = new ApolloServer({
    schema: testSchema(),
    formatError,
    plugins: [compiledQueryPlugin(formatError), recorder],
  });
  const expected = await ask(plain, query, variables);
  const expectedSeen = seen.pop();
  const runs: string[] = [];
  const runsSeen: (string | undefined)[] = [];
  for (let i = 0; i < RUNS_BEFORE_COMPILING + 2; i++) {
    runs.push(await ask(compiled, query, variables));
    runsSeen.push(seen.pop());
  }
  return { expected, runs, expectedSeen, runsSeen };
}

describe('compiledQueryPlugin', () => {
  it.each([
    ['plain fields and lists', '{ items(first: 3) { id name tags } }', undefined],
    ['an argument from a variable', 'query($id: Int!) { item(id: $id) { id name } }', { id: 7 }],
    ['a null object', 'query($id: Int!) { item(id: $id) { id } }', { id: -1 }],
    ['a coded error beside data', '{ refused items { id } }', undefined],
    ['a plain error in a list item', '{ items(first: 5) { id name } }', undefined],
    ['an uncoded error mapped by formatError', '{ plain }', undefined],
    ['a null in a non-null field', '{ item(id: 1) { id broken } }', undefined],
    ['a null non-null root field', '{ required { id } }', undefined],
    ['an error asking for an HTTP status and header', '{ teapot items { id } }', undefined],
    ['a variable of the wrong type', 'query($id: Int!) { item(id: $id) { id } }', { id: 'x' }],
    ['a missing variable', 'query($id: Int!) { item(id: $id) { id } }', {}],
    ['a mutation', 'mutation { touch }', undefined],
    ['two operations and no name', 'query A { plain } query B { refused }', undefined],
    [
      'fragments, aliases, typename and skip',
      'query($s: Boolean!) { a: item(id: 2) { ...F } b: item(id: 4) { id @skip(if: $s) __typename } } fragment F on Item { id name }',
      { s: true },
    ],
  ])(
    'should answer through Apollo byte for byte as graphql-js when %s, compiled or not',
    async (_name, query, variables) => {
      const { expected, runs, expectedSeen, runsSeen } = await bothWays(query, variables);
      for (const run of runs) expect(run).toBe(expected);
      for (const run of runsSeen) expect(run).toBe(expectedSeen);
    },
  );

  // Found by the spec of the gateway evaluation: graphql-js stops at a root field's synchronous
  // null (its siblings never run); graphql-jit runs them and reports their errors too. Nest's
  // resolvers are all async, so the API never meets it, but a sibling's side effect (an
  // access-log record) would differ.
  it('should differ from graphql-js when a non-null root field is null at once, once compiled', async () => {
    const { expected, runs } = await bothWays('{ required { id } refused }');
    const errorsOf = (answer: string) =>
      (JSON.parse(answer) as { body: { singleResult: { errors: GraphQLFormattedError[] } } }).body
        .singleResult.errors;
    expect(runs.slice(0, RUNS_BEFORE_COMPILING)).toEqual([expected, expected]);
    expect(errorsOf(expected)).toHaveLength(1);
    expect(errorsOf(runs[RUNS_BEFORE_COMPILING])).toHaveLength(2);
  });

  it("should answer Apollo's 'Internal server error' when formatError throws, compiled or not", async () => {
    const throwing: FormatError = () => {
      throw new Error('formatter bug');
    };
    const plain = new ApolloServer({ schema: testSchema(), formatError: throwing });
    const compiled = new ApolloServer({
      schema: testSchema(),
      formatError: throwing,
      plugins: [compiledQueryPlugin(throwing)],
    });
    const expected = await ask(plain, '{ refused }');
    expect(expected).toContain('Internal server error');
    for (let i = 0; i < RUNS_BEFORE_COMPILING + 1; i++) {
      expect(await ask(compiled, '{ refused }')).toBe(expected);
    }
  });

  // Apollo skips executionDidStart and didEncounterErrors when the hook answers: no plugin of
  // the API may rely on them, nor answer in responseForOperation before this one but the
  // findings answer cache (answers it kept, made by this plugin or graphql-js).
  it("should be the API's only plugin with execution or error hooks", async () => {
    const options = graphqlOptions(
      { create: () => ({}) } as unknown as RequestLoadersFactory,
      silent,
      { development: false } as Settings,
      new FindingsAnswerCache({ generation: () => Promise.resolve('1') }),
    );
    const hooks: string[][] = [];
    for (const plugin of options.plugins ?? []) {
      const listener = await (plugin as ApolloServerPlugin<BaseContext>).requestDidStart?.(
        {} as never,
      );
      hooks.push(Object.keys(listener ?? {}));
    }
    const risky = ['executionDidStart', 'didEncounterErrors', 'responseForOperation'];
    expect(hooks.filter((h) => h.some((k) => risky.includes(k)))).toEqual([
      ['responseForOperation', 'willSendResponse'],
      ['responseForOperation'],
    ]);
    expect(hooks.at(-1)).toEqual(['responseForOperation']);
  });
});
