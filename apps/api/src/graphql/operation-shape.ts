import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** The document's fragments by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  return fragments;
}

export interface OperationShape {
  /** Aliased fields the operation resolves, fragments expanded as often as they are spread. */
  aliases: number;
  /** Fields at the root of the operation, fragments expanded. */
  rootFields: number;
}

/**
 * Counts what an operation would resolve: an alias inside a fragment counts once per
 * spread, so a few fragments cannot multiply a small document into thousands of aliases.
 * Fragment cycles (refused by graphql-js's own rule) stop the walk.
 */
export function operationShape(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): OperationShape {
  const aliasesOfFragment = new Map<string, number>();

  const aliasesIn = (set: SelectionSetNode, seen: ReadonlySet<string>): number => {
    let count = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias !== undefined) count += 1;
        if (selection.selectionSet) count += aliasesIn(selection.selectionSet, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        count += aliasesIn(selection.selectionSet, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment === undefined || seen.has(name)) continue;
        let inFragment = aliasesOfFragment.get(name);
        if (inFragment === undefined) {
          inFragment = aliasesIn(fragment.selectionSet, new Set([...seen, name]));
          aliasesOfFragment.set(name, inFragment);
        }
        count += inFragment;
      }
    }
    return count;
  };

  const rootFieldsIn = (set: SelectionSetNode, seen: ReadonlySet<string>): number => {
    let count = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!selection.name.value.startsWith('__')) count += 1;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        count += rootFieldsIn(selection.selectionSet, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment !== undefined && !seen.has(name)) {
          count += rootFieldsIn(fragment.selectionSet, new Set([...seen, name]));
        }
      }
    }
    return count;
  };

  return {
    aliases: aliasesIn(operation.selectionSet, new Set()),
    rootFields: rootFieldsIn(operation.selectionSet, new Set()),
  };
}

/** The first string value (in variables, at any depth) holding a NUL, as a path; or undefined. */
export function nulInVariables(variables: Readonly<Record<string, unknown>>): string | undefined {
  const search = (value: unknown, path: string): string | undefined => {
    if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) {
        const found = search(value[i], `${path}[${i}]`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        const found = search(item, `${path}.${key}`);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  for (const [name, value] of Object.entries(variables)) {
    const found = search(value, `$${name}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
