// Draws a laid-out lineage as SVG: nodes as cards coloured by kind (studies and vendors
// link to their own pages), edges as arrows labelled with their kind in words, details on
// hover. The labels are drawn after every line, each on its own backing, so no line
// crosses one.
import { s } from '../dom/dom-builder';
import { edgeKindWords } from './edge-kinds';
import {
  layoutLineage,
  NODE_HEIGHT,
  NODE_WIDTH,
  type LineageEdge,
  type LineageNode,
  type NodeKind,
  type PlacedEdgeGroup,
  type PlacedNode,
} from './lineage-layout';

export const NODE_COLOURS: Record<NodeKind, { stroke: string; fill: string }> = {
  STUDY: { stroke: '#1d4ed8', fill: '#eff4ff' },
  DATASET: { stroke: '#7c3aed', fill: '#f5f0ff' },
  VENDOR: { stroke: '#c2410c', fill: '#fff4ec' },
  MODEL: { stroke: '#047857', fill: '#ecfdf5' },
};

export const EDGE_COLOURS: Record<string, string> = {
  DERIVED: '#1d4ed8',
  MEMBER_OF: '#7c3aed',
  DISCLOSED: '#c2410c',
  ONWARD_TRANSFER: '#b91c1c',
  TRAINED: '#047857',
  DELETED: '#525252',
};

const edgeColour = (kind: string): string => EDGE_COLOURS[kind] ?? '#525252';

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const when = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

function hrefOf(node: LineageNode): string | undefined {
  if (node.kind === 'STUDY') return `#/lineage/${encodeURIComponent(node.id)}`;
  if (node.kind === 'VENDOR') return `#/vendors/${encodeURIComponent(node.id)}`;
  return undefined;
}

function drawNode(node: PlacedNode, focus: string): SVGElement {
  const colours = NODE_COLOURS[node.kind];
  const card = s(
    'g',
    {
      class: `node${node.id === focus ? ' focus' : ''}`,
      'data-id': node.id,
      'data-kind': node.kind,
      transform: `translate(${node.x},${node.y})`,
    },
    s('title', {}, `${node.kind}: ${node.label}\n${node.id}`),
    s('rect', {
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      rx: 8,
      fill: colours.fill,
      stroke: colours.stroke,
      'stroke-width': node.id === focus ? 3 : 1.5,
    }),
    s('rect', { width: 6, height: NODE_HEIGHT, rx: 3, fill: colours.stroke }),
    s('text', { class: 'node-kind', x: 16, y: 17, fill: colours.stroke }, node.kind),
    s('text', { class: 'node-label', x: 16, y: 34 }, truncate(node.label, 22)),
    s('text', { class: 'node-id', x: 16, y: 49 }, truncate(node.id, 27)),
  );
  const href = hrefOf(node);
  // The link's name is the card's title, whole (kind, label, id): an aria-label would hide
  // the visible text, which is cut to fit (WCAG 2.5.3 label in name).
  return href === undefined ? card : s('a', { href }, card);
}

const isHot = (group: PlacedEdgeGroup, highlight: ReadonlySet<number>): boolean =>
  group.edges.some((e) => highlight.has(e.ledgerSequence));

const edgeTitle = (group: PlacedEdgeGroup): string => {
  const details = group.edges
    .map((e) => `${when(e.occurredAt)} · ledger #${e.ledgerSequence} · event ${e.eventId}`)
    .join('\n');
  return `${edgeKindWords(group.kind)} (${group.kind}): ${group.from} → ${group.to}\n${details}`;
};

function drawEdge(group: PlacedEdgeGroup, highlight: ReadonlySet<number>): SVGElement {
  const hot = isHot(group, highlight);
  return s(
    'g',
    {
      class: `edge${hot ? ' highlight' : ''}`,
      'data-kind': group.kind,
      'data-from': group.from,
      'data-to': group.to,
    },
    s('title', {}, edgeTitle(group)),
    s('path', { class: 'edge-hit', d: group.path }),
    s('path', {
      class: 'edge-line',
      d: group.path,
      stroke: edgeColour(group.kind),
      'stroke-width': hot ? 3.5 : 1.8,
      'stroke-dasharray': group.kind === 'DELETED' ? '6 4' : undefined,
      fill: 'none',
      'marker-end': `url(#lg-arrow-${group.kind})`,
    }),
  );
}

/** An edge's label on a backing the size of its text, so lines beneath do not cross it. */
function drawLabel(group: PlacedEdgeGroup): SVGElement | null {
  if (group.labelAt === undefined) return null;
  const { x, y } = group.labelAt;
  const colour = edgeColour(group.kind);
  return s(
    'g',
    { class: 'edge-label-group', 'data-kind': group.kind },
    s('title', {}, edgeTitle(group)),
    s('rect', {
      class: 'edge-label-backing',
      x: x - group.labelWidth / 2 - 3,
      y: y - 15,
      width: group.labelWidth + 6,
      height: 15,
      rx: 3,
    }),
    s(
      'text',
      { class: 'edge-label', x, y: y - 4, 'text-anchor': 'middle', fill: colour },
      group.label,
    ),
  );
}

// The label's size and spacing in styles.css (.lineage .edge-label), in the page's font, for
// measuring before drawing.
const LABEL_SIZE = 10.5;
const LABEL_LETTER_SPACING = 0.03 * LABEL_SIZE;
let measuring: CanvasRenderingContext2D | null | undefined;

/** A label's width as drawn; estimated from its length where a canvas cannot measure. */
function labelWidth(label: string): number {
  if (measuring === undefined) {
    measuring = document.createElement('canvas').getContext('2d');
    if (measuring) {
      measuring.font = `700 ${LABEL_SIZE}px ${getComputedStyle(document.body).fontFamily}`;
    }
  }
  if (!measuring) return label.length * 7.6;
  return measuring.measureText(label).width + label.length * LABEL_LETTER_SPACING;
}

/** The whole graph, sized to its layout (the page scrolls it when wider than the screen). */
export function lineageGraph(
  nodes: readonly LineageNode[],
  edges: readonly LineageEdge[],
  options: { focus: string; highlight: ReadonlySet<number>; title: string },
): SVGSVGElement {
  const layout = layoutLineage(nodes, edges, { labelOf: edgeKindWords, labelWidth });
  const kinds = [...new Set([...Object.keys(EDGE_COLOURS), ...edges.map((e) => e.kind)])];
  const markers = kinds.map((kind) =>
    s(
      'marker',
      {
        id: `lg-arrow-${kind}`,
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        // Same size on thick (highlighted) and thin edges.
        markerUnits: 'userSpaceOnUse',
        markerWidth: 11,
        markerHeight: 11,
        orient: 'auto-start-reverse',
      },
      s('path', { d: 'M0,0 L10,5 L0,10 z', fill: edgeColour(kind) }),
    ),
  );
  const svg = s(
    'svg',
    {
      class: 'lineage',
      width: layout.width,
      height: layout.height,
      viewBox: `0 0 ${layout.width} ${layout.height}`,
      'aria-label': `${options.title}: ${layout.nodes.length} nodes, ${edges.length} edges. The table below lists every edge.`,
    },
    s('title', {}, options.title),
    s('defs', {}, ...markers),
    // Highlighted edges last, so they are drawn over the others.
    s(
      'g',
      { class: 'edges' },
      ...[...layout.edges]
        .sort((a, b) => Number(isHot(a, options.highlight)) - Number(isHot(b, options.highlight)))
        .map((g) => drawEdge(g, options.highlight)),
    ),
    s('g', { class: 'edge-labels' }, ...layout.edges.map(drawLabel)),
    s('g', { class: 'nodes' }, ...layout.nodes.map((n) => drawNode(n, options.focus))),
  );
  // Shrinks to fit its box (CSS max-width) but not below 80 %: beyond that it scrolls. At
  // 65 % a busy study's 13 px labels were drawn at 8.5 px and its kinds at 6.5.
  svg.style.minWidth = `${Math.round(layout.width * 0.8)}px`;
  return svg;
}
