import {
  buildSchema,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  parse,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { operationCost } from './query-cost';

const schema = buildSchema(`
  type PageInfo { hasNextPage: Boolean! }
  type Finding { code: String! detail: String! }
  type FindingEdge { cursor: String! node: Finding! }
  type FindingConnection { edges: [FindingEdge!]! pageInfo: PageInfo! totalCount: Int! }
  type Vendor { name: String! findings(first: Int): FindingConnection! }
  type VendorEdge { node: Vendor! }
  type VendorConnection { edges: [VendorEdge!]! totalCount: Int! }
  type Study { uid: String! derivatives: [Study!]! }
  type Query { vendors(first: Int): VendorConnection! study: Study verifierKey: String! }
`);
const settings = { defaultPageSize: 50, listSize: 10, rootFieldCost: 100 };

function cost(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    if (d.kind === Kind.OPERATION_DEFINITION) operation = d;
  }
  return operationCost(schema, operation!, fragments, variables, settings);
}

describe('operationCost', () => {
  it.each([
    ['{ verifierKey }', 100],
    ['{ study { uid } }', 101],
    ['{ study { derivatives { uid } } }', 100 + 10 * 2],
    ['{ vendors(first: 3) { totalCount edges { node { name } } } }', 100 + 1 + 3 * (1 + 1 + 1)],
    ['{ vendors { edges { node { name } } } }', 100 + 50 * 3],
    [
      '{ vendors(first: 2) { edges { node { findings(first: 4) { edges { node { code detail } } } } } } }',
      100 + 2 * (1 + 1 + (1 + 4 * (1 + 1 + 2))),
    ],
    ['{ study { ...S } } fragment S on Study { uid derivatives { uid } }', 100 + 1 + 10 * 2],
    ['{ __schema { types { name } } verifierKey }', 100],
    ['{ a: study { uid } b: study { uid } }', 2 * 101],
  ])('should estimate %s at %d', (query, expected) => {
    expect(cost(query)).toBe(expected);
  });

  it('should read page sizes from variables when first is a variable', () => {
    const query = 'query($n: Int) { vendors(first: $n) { edges { node { name } } } }';
    expect(cost(query, { n: 500 })).toBe(100 + 500 * 3);
    expect(cost(query, {})).toBe(100 + 50 * 3);
  });

  it('should weigh a field by its complexity extension when the schema sets one', () => {
    const weighed = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          verifierKey: { type: GraphQLString, extensions: { complexity: 1 } },
          study: {
            type: new GraphQLObjectType({
              name: 'Study',
              fields: {
                uid: { type: GraphQLString },
                findings: { type: GraphQLString, extensions: { complexity: 10 } },
              },
            }),
          },
          ledger: {
            type: new GraphQLObjectType({
              name: 'LedgerState',
              fields: {
                treeSize: { type: GraphQLString },
                checkpoint: { type: GraphQLString, extensions: { complexity: 100 } },
              },
            }),
          },
        },
      }),
    });
    const op = parse('{ verifierKey ledger { treeSize checkpoint } study { uid findings } }')
      .definitions[0] as OperationDefinitionNode;
    expect(operationCost(weighed, op, new Map(), {}, settings)).toBe(
      1 + (100 + 1 + 100) + (100 + 1 + 10),
    );
  });
});
