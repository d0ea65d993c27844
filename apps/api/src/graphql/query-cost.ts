import {
  GraphQLObjectType,
  Kind,
  type GraphQLField,
  OperationTypeNode,
  getNamedType,
  getNullableType,
  isListType,
  valueFromASTUntyped,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ArgumentNode,
  type SelectionSetNode,
} from 'graphql';

export interface CostSettings {
  /** Rows assumed for a connection asked without `first`. */
  defaultPageSize: number;
  /** Items assumed for a list field that is not paged (derivatives, trace nodes, ...). */
  listSize: number;
  /** Own cost of a root field without a `complexity` of its own: root fields read the database. */
  rootFieldCost: number;
}

/**
 * Own costs of fields, set with the `complexity` option of `@Query`, `@Field` and
 * `@ResolveField` (it lands in the schema as `extensions.complexity`): a field answered
 * from what its parent already loaded costs 1; one that reads the database costs what a
 * round trip costs compared to that.
 */
export const FIELD_COST = {
  /** A root field, or any field that runs its own queries (also `LedgerState.checkpoint`). */
  databaseRead: 100,
  /** A per-parent field served by a request DataLoader: one query for all parents. */
  batchedRead: 10,
  /** Computed in memory (`verifierKey`). */
  inMemory: 1,
} as const;

/**
 * A field's own cost: its `complexity` extension; else a root field reads the database and
 * any other field costs 1. (`resolve` cannot tell: Nest gives every field a resolver.)
 */
function ownCost(
  field: GraphQLField<unknown, unknown>,
  root: boolean,
  settings: CostSettings,
): number {
  const complexity = field.extensions.complexity;
  if (typeof complexity === 'number' && complexity >= 0) return complexity;
  return root ? settings.rootFieldCost : 1;
}

type Variables = Readonly<Record<string, unknown>>;

/**
 * An estimate of the work an operation asks for: every field costs its own cost (see
 * FIELD_COST), multiplied by how many times it is resolved. A field with a `first` argument is a connection: its
 * `edges` are resolved `first` times; any other list field is assumed `listSize` long.
 */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Variables,
  settings: CostSettings,
): number {
  const root =
    operation.operation === OperationTypeNode.MUTATION
      ? schema.getMutationType()
      : operation.operation === OperationTypeNode.SUBSCRIPTION
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return 0;

  const firstOf = (args: readonly ArgumentNode[]): number => {
    const arg = args.find((a) => a.name.value === 'first');
    const value = arg ? valueFromASTUntyped(arg.value, variables) : undefined;
    return typeof value === 'number' && value >= 0 ? value : settings.defaultPageSize;
  };

  const walk = (
    set: SelectionSetNode,
    type: GraphQLObjectType,
    pageSize: number | undefined,
    seen: ReadonlySet<string>,
  ): number => {
    const atRoot = type === root;
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const narrowed = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : type;
        cost += walk(
          selection.selectionSet,
          narrowed instanceof GraphQLObjectType ? narrowed : type,
          pageSize,
          seen,
        );
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const narrowed = schema.getType(fragment.typeCondition.name.value);
        cost += walk(
          fragment.selectionSet,
          narrowed instanceof GraphQLObjectType ? narrowed : type,
          pageSize,
          new Set([...seen, fragment.name.value]),
        );
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      const field = type.getFields()[name];
      if (!field) continue;
      const paged = field.args.some((a) => a.name === 'first');
      const first = paged ? firstOf(selection.arguments ?? []) : undefined;
      const list = isListType(getNullableType(field.type));
      const times = list
        ? name === 'edges' && pageSize !== undefined
          ? pageSize
          : settings.listSize
        : 1;
      const child = getNamedType(field.type);
      const below =
        selection.selectionSet && child instanceof GraphQLObjectType
          ? walk(
              selection.selectionSet,
              child,
              first ?? (name === 'edges' ? undefined : pageSize),
              seen,
            )
          : 0;
      cost += times * (ownCost(field, atRoot, settings) + below);
    }
    return cost;
  };
  return walk(operation.selectionSet, root, undefined, new Set());
}
