import { buildSchema, parse, validate } from 'graphql';
import { queryDepthRule } from './query-depth.rule';

const schema = buildSchema(`
  type Study { uid: String! derivedFrom: Study derivatives: [Study!]! }
  type Query { study(uid: String!): Study }
`);

function errors(query: string, max: number): string[] {
  return validate(schema, parse(query), [queryDepthRule(max)]).map((e) => e.message);
}

describe('queryDepthRule', () => {
  it.each([
    ['{ study(uid: "a") { uid } }', 1],
    ['{ study(uid: "a") { derivedFrom { uid } } }', 2],
    ['{ study(uid: "a") { derivedFrom { derivedFrom { uid } } } }', 3],
    ['{ study(uid: "a") { ...F } } fragment F on Study { derivatives { derivedFrom { uid } } }', 3],
    ['{ study(uid: "a") { ... on Study { derivedFrom { uid } } } }', 2],
  ])('should accept %s when the limit equals its depth %d', (query, depth) => {
    expect(errors(query, depth)).toEqual([]);
    expect(errors(query, depth - 1)).toEqual([
      `query is nested ${depth} levels deep; the limit is ${depth - 1}`,
    ]);
  });

  it('should not count introspection when GraphiQL asks for the schema', () => {
    const introspection = `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }`;
    expect(errors(introspection, 1)).toEqual([]);
  });

  it('should stop when fragments refer to each other', () => {
    const cyclic =
      '{ study(uid: "a") { ...A } } fragment A on Study { derivedFrom { ...B } } fragment B on Study { derivedFrom { ...A } }';
    expect(() => errors(cyclic, 10)).not.toThrow();
  });
});
