import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/**
 * Depth of a selection set: a field with sub-selections adds one level. Fragments are
 * followed (a cycle is reported by graphql-js's own NoFragmentCycles rule; `seen` only
 * keeps this walk finite). Introspection fields are not counted: GraphiQL's schema query
 * nests `ofType` deeper than any real query should.
 */
export function selectionDepth(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  seen: ReadonlySet<string> = new Set(),
): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    switch (selection.kind) {
      case Kind.FIELD:
        if (selection.name.value.startsWith('__')) break;
        if (selection.selectionSet) {
          deepest = Math.max(deepest, 1 + selectionDepth(selection.selectionSet, fragments, seen));
        }
        break;
      case Kind.INLINE_FRAGMENT:
        deepest = Math.max(deepest, selectionDepth(selection.selectionSet, fragments, seen));
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment && !seen.has(name)) {
          deepest = Math.max(
            deepest,
            selectionDepth(fragment.selectionSet, fragments, new Set([...seen, name])),
          );
        }
        break;
      }
    }
  }
  return deepest;
}

/** A validation rule refusing operations nested deeper than `max` levels of objects. */
export function queryDepthRule(max: number): (context: ValidationContext) => ASTVisitor {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(node) {
        const depth = selectionDepth(node.selectionSet, fragments);
        if (depth > max) {
          context.reportError(
            new GraphQLError(`query is nested ${depth} levels deep; the limit is ${max}`, {
              nodes: [node],
            }),
          );
        }
      },
    };
  };
}
