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

/**
 * Deepest nesting of objects and lists a request's variables may have. The schema's input
 * types nest a few levels (a patient identifier inside a filter); a body of 256 KiB can nest
 * about 100,000, which a recursive walk (ours, graphql's coercion) cannot follow.
 */
export const MAX_VARIABLE_DEPTH = 32;

/**
 * What is wrong with a request's variables before anything reads them: nested deeper than
 * MAX_VARIABLE_DEPTH, or a string value holding a NUL (its path). Undefined when neither.
 * Walked with an explicit stack, so no nesting can exhaust the call stack.
 */
export function variablesRefusal(
  variables: Readonly<Record<string, unknown>>,
): { kind: 'too-deep' } | { kind: 'nul'; path: string } | undefined {
  // Depth-first, in document order: the first NUL reported is the first a reader meets.
  const stack: { value: unknown; path: string; depth: number }[] = Object.entries(variables)
    .reverse()
    .map(([name, value]) => ({ value, path: `$${name}`, depth: 0 }));
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { value, path, depth } = top;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { kind: 'nul', path };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_VARIABLE_DEPTH) return { kind: 'too-deep' };
    const items: [string, unknown][] = Array.isArray(value)
      ? value.map((item, i) => [`${path}[${i}]`, item])
      : Object.entries(value).map(([key, item]) => [`${path}.${key}`, item]);
    for (let i = items.length - 1; i >= 0; i -= 1) {
      stack.push({ value: items[i][1], path: items[i][0], depth: depth + 1 });
    }
  }
  return undefined;
}
