import type { Viewer } from '@scantrail/access';
import {
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { FreshRead } from '@scantrail/queries';
import { LRUCache } from 'lru-cache';
import { Counter } from 'prom-client';

/**
 * What an answer may select to be kept: a tree of field names, `true` for a leaf. Only the
 * stored fields of a finding (a row of rm_findings), cursors (made from those fields),
 * pageInfo and totalCount (rm_findings_counts, or a count of rm_findings): nothing that
 * reads another table, the clock or the access log. `__typename` is allowed everywhere.
 */
type Shape = { readonly [field: string]: Shape | true };

const FINDING: Shape = {
  code: true,
  studyInstanceUid: true,
  vendorId: true,
  eventId: true,
  occurredAt: true,
  ledgerSequence: true,
  detail: true,
};
const FINDINGS_ANSWER: Shape = {
  findings: {
    totalCount: true,
    pageInfo: { hasNextPage: true, endCursor: true },
    edges: { cursor: true, node: FINDING },
  },
};

/** Variables longer than this as JSON are not kept (keys stay small; findings take five). */
export const MAX_VARIABLES_CHARS = 2_048;

/**
 * Whether every part of `selectionSet` is allowed by `shape` (fragments expanded; a
 * directive anywhere, such as @include, is refused rather than interpreted). Validation
 * has run, so the names are fields of the types the shape names.
 */
function selects(
  selectionSet: SelectionSetNode,
  shape: Shape,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  seen: Set<string>,
): boolean {
  for (const selection of selectionSet.selections) {
    if ((selection.directives?.length ?? 0) > 0) return false;
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name === '__typename') continue;
      const allowed = shape[name] as Shape | true | undefined;
      if (allowed === undefined) return false;
      if (allowed === true) {
        if (selection.selectionSet !== undefined) return false;
      } else if (
        selection.selectionSet === undefined ||
        !selects(selection.selectionSet, allowed, fragments, seen)
      ) {
        return false;
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!selects(selection.selectionSet, shape, fragments, seen)) return false;
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (fragment === undefined || seen.has(name)) return false;
      if ((fragment.directives?.length ?? 0) > 0) return false;
      seen.add(name);
      const ok = selects(fragment.selectionSet, shape, fragments, seen);
      seen.delete(name);
      if (!ok) return false;
    }
  }
  return true;
}

/** Whether the operation's root fields that are not `__typename` include a `findings`. */
function asksFindings(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): boolean {
  return selectionSet.selections.some((s) =>
    s.kind === Kind.FIELD
      ? s.name.value === 'findings'
      : s.kind === Kind.INLINE_FRAGMENT
        ? asksFindings(s.selectionSet, fragments)
        : asksFindings(
            fragments.get(s.name.value)?.selectionSet ?? {
              kind: Kind.SELECTION_SET,
              selections: [],
            },
            fragments,
          ),
  );
}

/**
 * Whether an answer to `operation` is a pure function of the stored findings, the viewer's
 * role and vendor scope, the document and its variables: a query whose every root field is
 * `findings` (or `__typename`) selecting only what FINDINGS_ANSWER allows.
 */
export function isFindingsAnswer(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): boolean {
  if (operation.operation !== OperationTypeNode.QUERY) return false;
  if ((operation.directives?.length ?? 0) > 0) return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  return (
    selects(operation.selectionSet, FINDINGS_ANSWER, fragments, new Set()) &&
    asksFindings(operation.selectionSet, fragments)
  );
}

/** Who an answer is for: roles decide field rules, the vendor scope which findings. */
export function scopeKey(viewer: Viewer): string {
  return `${[...viewer.roles].sort().join(',')}\u0000${viewer.vendorScope ?? '*'}`;
}

/** A kept answer: its data (frozen) and the exact text Apollo sends for it. */
interface KeptAnswer {
  data: Readonly<Record<string, unknown>>;
  text: string;
}

export interface FindingsAnswerCacheOptions {
  /** The findings generation of the database the findings are read from. */
  generation: () => Promise<string>;
  /** Most answers kept (default 1,000). */
  maxEntries?: number;
  /**
   * Most bytes kept, counted as three times each answer's JSON text (the text itself and
   * the object tree it was made from; default 48 MiB, about 650 pages of 50 findings).
   */
  maxBytes?: number;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

/** Apollo Server's own `stringifyResult` (runHttpQuery's prettyJSONStringify). */
export function apolloJson(value: unknown): string {
  return JSON.stringify(value) + '\n';
}

export type CacheLookup =
  | { kind: 'hit'; data: Readonly<Record<string, unknown>> }
  /** `keep`: the key was asked before in this generation, so its answer is worth keeping. */
  | { kind: 'miss'; key: string; generation: string; keep: boolean }
  | { kind: 'bypass' };

/**
 * `findings` answers kept by findings generation: an answer is kept under (generation,
 * role and vendor scope, document hash, operation name, variables) and served while the
 * generation read before answering is the one it was made under. The generation moves in
 * the transaction of any change to the stored findings (the triggers of migration
 * 1764107000000), so a kept answer is never older than the findings a fresh read would
 * see: no clock, and a ledger that grows without new findings keeps the answers. An
 * answer is kept from the second time its key is asked in a generation (pages asked once,
 * such as a walk through every page, never fill it and its heap). Bounded in answers and
 * bytes (least recently used leave first); a newer generation empties it. Concurrent
 * requests share generation reads (FreshRead, as the patient-rights reads share the ledger's size).
 */
export class FindingsAnswerCache {
  readonly lookups = new Counter({
    name: 'scantrail_findings_answer_cache_requests_total',
    help:
      'findings answers the API could keep, by result: hit (served kept), miss (answered ' +
      'and kept unless it had errors), bypass (variables too long to key, or the findings ' +
      'generation could not be read).',
    labelNames: ['result'],
    registers: [],
  });
  private readonly answers: LRUCache<string, KeptAnswer>;
  /** Keys asked once in this generation (their answers are kept when asked again). */
  private readonly askedOnce = new LRUCache<string, true>({ max: 4_096 });
  /** The text of each kept answer's data, for stringifyResult. */
  private readonly texts = new WeakMap<object, string>();
  private latest: bigint | undefined;
  private readonly generation: FreshRead<string>;

  constructor(options: FindingsAnswerCacheOptions) {
    this.generation = new FreshRead(options.generation);
    this.answers = new LRUCache<string, KeptAnswer>({
      max: options.maxEntries ?? 1_000,
      maxSize: options.maxBytes ?? 48 * 1024 * 1024,
      sizeCalculation: (a) => 3 * a.text.length,
    });
  }

  /** Answers kept now (for tests and the bench). */
  get size(): number {
    return this.answers.size;
  }

  /** What the operation's answer is: kept, to be kept under the returned key, or neither. */
  async lookup(
    viewer: Viewer,
    queryHash: string,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
  ): Promise<CacheLookup> {
    const vars = JSON.stringify(variables ?? {});
    if (vars.length > MAX_VARIABLES_CHARS) {
      this.lookups.inc({ result: 'bypass' });
      return { kind: 'bypass' };
    }
    let generation: string;
    try {
      generation = await this.generation.get();
    } catch {
      // The findings read will fail or succeed on its own; nothing is kept either way.
      this.lookups.inc({ result: 'bypass' });
      return { kind: 'bypass' };
    }
    this.observe(generation);
    const key = `${generation}\u0000${scopeKey(viewer)}\u0000${queryHash}\u0000${operationName ?? ''}\u0000${vars}`;
    const kept = this.answers.get(key);
    if (kept !== undefined) {
      this.lookups.inc({ result: 'hit' });
      return { kind: 'hit', data: kept.data };
    }
    this.lookups.inc({ result: 'miss' });
    const keep = this.askedOnce.has(key);
    if (keep) this.askedOnce.delete(key);
    else this.askedOnce.set(key, true);
    return { kind: 'miss', key, generation, keep };
  }

  /** Keeps an answer made after `generation` was read, unless a newer one was seen since. */
  keep(key: string, generation: string, data: Record<string, unknown>): void {
    if (BigInt(generation) !== this.latest) return;
    deepFreeze(data);
    const text = apolloJson({ errors: undefined, data, extensions: undefined });
    this.texts.set(data, text);
    this.answers.set(key, { data, text });
  }

  /**
   * Apollo's `stringifyResult`: the kept text of an answer served or just kept, else
   * JSON.stringify as Apollo does (the same bytes either way).
   */
  stringify(value: { errors?: unknown; data?: unknown; extensions?: unknown }): string {
    if (
      value.errors === undefined &&
      value.extensions === undefined &&
      typeof value.data === 'object' &&
      value.data !== null
    ) {
      const text = this.texts.get(value.data);
      if (text !== undefined) return text;
    }
    return apolloJson(value);
  }

  private observe(generation: string): void {
    const g = BigInt(generation);
    if (this.latest === undefined || g > this.latest) {
      // Answers of older generations can never be served again.
      if (this.latest !== undefined) {
        this.answers.clear();
        this.askedOnce.clear();
      }
      this.latest = g;
    }
  }
}
