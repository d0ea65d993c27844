import { InvalidArgumentError } from '../errors/read-errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Relay connection arguments as GraphQL passes them (absent arguments may arrive as null). */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** A count, or how to count when (and only if) totalCount is read. */
export type TotalCount = number | (() => Promise<number>);

/** A Relay connection page: `edges { cursor node } pageInfo { hasNextPage endCursor } totalCount`. */
export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** A getter when counting is deferred: a page whose totalCount nobody selects costs no COUNT. */
  readonly totalCount: number | Promise<number>;
}

/** The page size asked for, checked against the cap (BAD_USER_INPUT outside 0..MAX). */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(`first must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`);
  }
  return first;
}

/**
 * Builds a page from rows fetched with LIMIT size + 1: the extra row only says that
 * there is a next page.
 */
export function toPage<R, T>(
  fetched: readonly R[],
  size: number,
  cursorOf: (row: R) => string,
  nodeOf: (row: R) => T,
  totalCount: TotalCount,
): Page<T> {
  const kept = fetched.slice(0, size);
  const edges = kept.map((row) => ({ cursor: cursorOf(row), node: nodeOf(row) }));
  return pageOf(edges, fetched.length > size, totalCount);
}

/**
 * A page of these edges, continued after the last one when `hasNextPage`; a totalCount
 * given as a function is counted once, and only when read.
 */
export function pageOf<T>(edges: Edge<T>[], hasNextPage: boolean, totalCount: TotalCount): Page<T> {
  const pageInfo = { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null };
  if (typeof totalCount === 'number') return { edges, pageInfo, totalCount };
  let counted: Promise<number> | undefined;
  return {
    edges,
    pageInfo,
    get totalCount(): Promise<number> {
      counted ??= totalCount();
      return counted;
    },
  };
}
