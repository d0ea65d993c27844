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
  /**
   * The most times one response key appears in one selection set, fragments (once per
   * spread) and inline fragments flattened into it: graphql-js compares such fields
   * pairwise (OverlappingFieldsCanBeMerged), and unaliased copies pass the alias limit.
   */
  mostRepeats: number;
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

  // Each selection set's own response keys; a fragment's are counted once and added per spread,
  // and every selection set is walked once, so this stays linear in the document.
  const keysOfFragment = new Map<string, Map<string, number>>();
  const walked = new Set<SelectionSetNode>();
  let mostRepeats = 0;
  const levelKeys = (
    set: SelectionSetNode,
    seen: ReadonlySet<string>,
    into: Map<string, number>,
  ): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        into.set(key, (into.get(key) ?? 0) + 1);
        if (selection.selectionSet) walk(selection.selectionSet, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        levelKeys(selection.selectionSet, seen, into);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment === undefined || seen.has(name)) continue;
        let own = keysOfFragment.get(name);
        if (own === undefined) {
          own = new Map();
          levelKeys(fragment.selectionSet, new Set([...seen, name]), own);
          keysOfFragment.set(name, own);
        }
        for (const [key, n] of own) into.set(key, (into.get(key) ?? 0) + n);
      }
    }
  };
  const walk = (set: SelectionSetNode, seen: ReadonlySet<string>): void => {
    if (walked.has(set)) return;
    walked.add(set);
    const keys = new Map<string, number>();
    levelKeys(set, seen, keys);
    for (const n of keys.values()) mostRepeats = Math.max(mostRepeats, n);
  };
  walk(operation.selectionSet, new Set());

  return {
    aliases: aliasesIn(operation.selectionSet, new Set()),
    rootFields: rootFieldsIn(operation.selectionSet, new Set()),
    mostRepeats,
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
