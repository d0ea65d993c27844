// A layered layout for a lineage graph: data flows left to right, each node in the
// column of its longest path from a source, rows ordered to keep crossings few. Pure
// geometry (no DOM), so it can be tested on its own.

import type { TraceQuery } from '../api/graphql-types.generated';

/** A node and an edge as the API's trace answers them (types generated from its schema). */
export type LineageNode = TraceQuery['trace']['nodes'][number];
export type LineageEdge = TraceQuery['trace']['edges'][number];
export type NodeKind = LineageNode['kind'];

export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode extends LineageNode {
  layer: number;
  /** Top-left corner. */
  x: number;
  y: number;
}

/** The edges of one kind between one pair of nodes, drawn as one arrow. */
export interface PlacedEdgeGroup {
  from: string;
  to: string;
  kind: string;
  edges: LineageEdge[];
  /** SVG path data of a cubic Bézier curve. */
  path: string;
  /** "DISCLOSED", or "DISCLOSED ×3" for repeated edges (the kind as `labelOf` words it). */
  label: string;
  /** Where the label goes (the middle of its baseline); undefined when every spot on the
   * curve was taken (the colour, the tooltip and the edge table still tell the kind). */
  labelAt?: Point;
  /** The label's width, as `labelWidth` measured it. */
  labelWidth: number;
  /** Drawn against the flow (the graph had a cycle, e.g. transfers back and forth). */
  backward: boolean;
}

export interface LineageLayout {
  nodes: PlacedNode[];
  edges: PlacedEdgeGroup[];
  width: number;
  height: number;
}

export const NODE_WIDTH = 188;
export const NODE_HEIGHT = 56;
const COLUMN_GAP = 134;
const ROW_GAP = 34;
const PADDING = 24;
const KIND_RANK: Record<NodeKind, number> = { STUDY: 0, DATASET: 1, VENDOR: 2, MODEL: 3 };

/** Edges that close a cycle, found by depth-first search from the sources. */
function backEdges(ids: readonly string[], out: Map<string, LineageEdge[]>): Set<LineageEdge> {
  const state = new Map<string, 'open' | 'done'>();
  const back = new Set<LineageEdge>();
  const visit = (start: string): void => {
    // Iterative, so a long chain cannot overflow the stack.
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const edges = out.get(top.id) ?? [];
      if (top.next >= edges.length) {
        state.set(top.id, 'done');
        stack.pop();
        continue;
      }
      const edge = edges[top.next++];
      const seen = state.get(edge.to);
      if (seen === 'open') back.add(edge);
      else if (seen === undefined) {
        state.set(edge.to, 'open');
        stack.push({ id: edge.to, next: 0 });
      }
    }
  };
  const hasIncoming = new Set([...out.values()].flat().map((e) => e.to));
  for (const id of ids) if (!hasIncoming.has(id) && !state.has(id)) visit(id);
  for (const id of ids) if (!state.has(id)) visit(id);
  return back;
}

/** Column of each node: the longest path to it from a source, over the acyclic edges. */
function layers(ids: readonly string[], forward: readonly LineageEdge[]): Map<string, number> {
  const layer = new Map(ids.map((id) => [id, 0]));
  const indegree = new Map(ids.map((id) => [id, 0]));
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of forward) {
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
    out.get(e.from)?.push(e.to);
  }
  const ready = ids.filter((id) => indegree.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.shift() as string;
    for (const to of out.get(id) ?? []) {
      layer.set(to, Math.max(layer.get(to) ?? 0, (layer.get(id) ?? 0) + 1));
      const left = (indegree.get(to) ?? 0) - 1;
      indegree.set(to, left);
      if (left === 0) ready.push(to);
    }
  }
  return layer;
}

/** Rows within each column: by kind and label, then a few barycenter sweeps. */
function orderRows(
  nodes: readonly LineageNode[],
  layer: ReadonlyMap<string, number>,
  edges: readonly LineageEdge[],
): string[][] {
  const columns: LineageNode[][] = [];
  for (const node of nodes) (columns[layer.get(node.id) ?? 0] ??= []).push(node);
  const rows = columns.map((column) =>
    (column ?? [])
      .sort((a, b) => KIND_RANK[a.kind] - KIND_RANK[b.kind] || a.label.localeCompare(b.label))
      .map((n) => n.id),
  );
  const neighbours = new Map<string, string[]>();
  for (const e of edges) {
    if (e.from === e.to) continue;
    (neighbours.get(e.from) ?? neighbours.set(e.from, []).get(e.from))?.push(e.to);
    (neighbours.get(e.to) ?? neighbours.set(e.to, []).get(e.to))?.push(e.from);
  }
  const position = (): Map<string, number> => {
    const at = new Map<string, number>();
    for (const row of rows) row.forEach((id, i) => at.set(id, (i + 0.5) / row.length));
    return at;
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    const at = position();
    const order = sweep % 2 === 0 ? rows.keys() : [...rows.keys()].reverse().values();
    for (const c of order) {
      const weight = (id: string): number => {
        const near = (neighbours.get(id) ?? []).filter((n) => layer.get(n) !== c);
        if (near.length === 0) return at.get(id) ?? 0;
        return near.reduce((sum, n) => sum + (at.get(n) ?? 0), 0) / near.length;
      };
      const weights = new Map(rows[c].map((id) => [id, weight(id)]));
      rows[c] = [...rows[c]].sort((a, b) => (weights.get(a) ?? 0) - (weights.get(b) ?? 0));
      rows[c].forEach((id, i) => at.set(id, (i + 0.5) / rows[c].length));
    }
  }
  return rows;
}

type Curve = [Point, Point, Point, Point];

function pointAt([p0, p1, p2, p3]: Curve, t: number): Point {
  const u = 1 - t;
  const [a, b, c, d] = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
  return {
    x: a * p0.x + b * p1.x + c * p2.x + d * p3.x,
    y: a * p0.y + b * p1.y + c * p2.y + d * p3.y,
  };
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const overlaps = (a: Box, b: Box): boolean =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

// Without a measure (tests, no DOM), a label's width is estimated from its length (10.5px
// bold text); the drawing measures it with the font it is drawn in.
const LABEL_CHAR_WIDTH = 7;
const LABEL_HEIGHT = 14;
const LABEL_SPOTS = [0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8];

/** What the drawing tells the layout about its labels. */
export interface LabelOptions {
  /** The words of an edge kind (default: the kind as the API gives it). */
  labelOf?: (kind: string) => string;
  /** A label's width in pixels as drawn (default: estimated from its length). */
  labelWidth?: (label: string) => number;
}

const estimatedWidth = (label: string): number => label.length * LABEL_CHAR_WIDTH;

function labelBox(at: Point, width: number): Box {
  const half = width / 2 + 3;
  return { left: at.x - half, right: at.x + half, top: at.y - LABEL_HEIGHT, bottom: at.y + 2 };
}

/** The first spot along the curve where the label hides neither a node nor another label. */
function placeLabel(curve: Curve, width: number, taken: Box[]): Point | undefined {
  for (const t of LABEL_SPOTS) {
    const at = pointAt(curve, t);
    const box = labelBox(at, width);
    if (!taken.some((b) => overlaps(box, b))) {
      taken.push(box);
      return at;
    }
  }
  return undefined;
}

const fmt = (n: number): string => String(Math.round(n * 10) / 10);

export function layoutLineage(
  nodes: readonly LineageNode[],
  edges: readonly LineageEdge[],
  { labelOf = (kind) => kind, labelWidth = estimatedWidth }: LabelOptions = {},
): LineageLayout {
  const unique = [...new Map(nodes.map((n) => [n.id, n])).values()];
  const ids = unique.map((n) => n.id);
  const known = new Set(ids);
  const drawn = edges.filter((e) => known.has(e.from) && known.has(e.to));
  const out = new Map<string, LineageEdge[]>();
  for (const e of drawn)
    if (e.from !== e.to) (out.get(e.from) ?? out.set(e.from, []).get(e.from))?.push(e);
  const back = backEdges(ids, out);
  const layer = layers(
    ids,
    drawn.filter((e) => e.from !== e.to && !back.has(e)),
  );
  const rows = orderRows(unique, layer, drawn);
  const tallest = Math.max(1, ...rows.map((r) => r.length));
  const height = PADDING * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP;
  const width = PADDING * 2 + rows.length * NODE_WIDTH + Math.max(0, rows.length - 1) * COLUMN_GAP;

  const byId = new Map(unique.map((n) => [n.id, n]));
  const placed = new Map<string, PlacedNode>();
  rows.forEach((row, c) => {
    const columnHeight = row.length * NODE_HEIGHT + (row.length - 1) * ROW_GAP;
    const top = (height - columnHeight) / 2;
    row.forEach((id, r) => {
      const node = byId.get(id) as LineageNode;
      placed.set(id, {
        ...node,
        layer: c,
        x: PADDING + c * (NODE_WIDTH + COLUMN_GAP),
        y: top + r * (NODE_HEIGHT + ROW_GAP),
      });
    });
  });

  const groups = new Map<string, LineageEdge[]>();
  for (const e of drawn) {
    const key = `${e.from}\u0000${e.to}\u0000${e.kind}`;
    (groups.get(key) ?? groups.set(key, []).get(key))?.push(e);
  }
  const kindsPerPair = new Map<string, string[]>();
  for (const list of groups.values()) {
    const pair = `${list[0].from}\u0000${list[0].to}`;
    (kindsPerPair.get(pair) ?? kindsPerPair.set(pair, []).get(pair))?.push(list[0].kind);
  }
  const taken: Box[] = [...placed.values()].map((n) => ({
    left: n.x - 2,
    top: n.y - 2,
    right: n.x + NODE_WIDTH + 2,
    bottom: n.y + NODE_HEIGHT + 2,
  }));
  const placedEdges: PlacedEdgeGroup[] = [];
  // A loop under the lowest nodes needs room below them.
  let lowest = height;
  for (const list of groups.values()) {
    const { from, to, kind } = list[0];
    const a = placed.get(from) as PlacedNode;
    const b = placed.get(to) as PlacedNode;
    const siblings = kindsPerPair.get(`${from}\u0000${to}`) ?? [kind];
    const shift = (siblings.indexOf(kind) - (siblings.length - 1) / 2) * 14;
    const forward = b.layer > a.layer;
    let curve: Curve;
    if (forward) {
      const p0 = { x: a.x + NODE_WIDTH, y: a.y + NODE_HEIGHT / 2 + shift };
      const p3 = { x: b.x, y: b.y + NODE_HEIGHT / 2 + shift };
      const bend = Math.max(40, (p3.x - p0.x) / 2);
      curve = [p0, { x: p0.x + bend, y: p0.y }, { x: p3.x - bend, y: p3.y }, p3];
    } else {
      // Against the flow or within a column: a loop under both nodes.
      const dip = NODE_HEIGHT / 2 + ROW_GAP + Math.abs(shift) * 2;
      const p0 = { x: a.x + NODE_WIDTH / 2 + shift, y: a.y + NODE_HEIGHT };
      const p3 = { x: b.x + NODE_WIDTH / 2 + shift, y: b.y + NODE_HEIGHT };
      const bottom = Math.max(p0.y, p3.y) + dip;
      curve = [p0, { x: p0.x, y: bottom }, { x: p3.x, y: bottom }, p3];
      lowest = Math.max(lowest, pointAt(curve, 0.5).y + 24);
    }
    const words = labelOf(kind);
    const label = list.length > 1 ? `${words} ×${list.length}` : words;
    const width = labelWidth(label);
    const [p0, p1, p2, p3] = curve;
    placedEdges.push({
      from,
      to,
      kind,
      edges: [...list].sort((x, y) => x.ledgerSequence - y.ledgerSequence),
      path: `M${fmt(p0.x)},${fmt(p0.y)} C${fmt(p1.x)},${fmt(p1.y)} ${fmt(p2.x)},${fmt(p2.y)} ${fmt(p3.x)},${fmt(p3.y)}`,
      label,
      labelAt: placeLabel(curve, width, taken),
      labelWidth: width,
      backward: !forward,
    });
  }

  return { nodes: [...placed.values()], edges: placedEdges, width, height: lowest };
}
