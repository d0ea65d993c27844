import type {
  LineageEdgeKind,
  LineageEdgeView,
  LineageNodeKind,
  LineageNodeView,
  LineageView,
  StudyView,
} from './read-views';

/** One edge of a trace as trace-edges.sql returns it, with what scoping and labels need. */
export interface TraceEdge extends LineageEdgeView {
  fromKind: LineageNodeKind;
  toKind: LineageNodeKind;
  /** For TRAINED: the vendor that trained the model. */
  actor: string | null;
  /** For TRAINED: the model version. */
  version: string | null;
}

export interface TraceLabels {
  studies: ReadonlyMap<string, StudyView>;
  datasets: ReadonlyMap<string, string>;
  vendors: ReadonlyMap<string, string>;
}

/** Edges as they stood at `asOf`: those whose event happened at or before it. */
export function edgesAsOf(edges: readonly TraceEdge[], asOf: Date): TraceEdge[] {
  return edges.filter((e) => e.occurredAt.getTime() <= asOf.getTime());
}

function touchesVendor(edge: TraceEdge, vendorId: string): boolean {
  switch (edge.kind) {
    case 'DISCLOSED':
    case 'DELETED':
      return edge.to === vendorId;
    case 'ONWARD_TRANSFER':
      return edge.from === vendorId || edge.to === vendorId;
    case 'TRAINED':
      return edge.actor === vendorId;
    default:
      return false;
  }
}

/**
 * The part of a trace that passed through one vendor: what was disclosed to it, what it
 * passed on or received by transfer, what it trained and deleted; plus the dataset
 * memberships of what it received (members added by the time it got the dataset) and the
 * derivations among the studies it received and the traced study. Nothing that only
 * concerns other vendors remains; a study that never reached it traces to nothing.
 */
export function scopeToVendor(
  root: string,
  edges: readonly TraceEdge[],
  vendorId: string,
): TraceEdge[] {
  const own = edges.filter((e) => touchesVendor(e, vendorId));
  if (own.length === 0) return [];
  // The latest time the vendor touched each study or dataset it got.
  const lastTouch = new Map<string, number>();
  for (const e of own) {
    if (e.kind === 'ONWARD_TRANSFER') continue;
    lastTouch.set(e.from, Math.max(lastTouch.get(e.from) ?? -Infinity, e.occurredAt.getTime()));
  }
  const members = edges.filter(
    (e) =>
      e.kind === 'MEMBER_OF' &&
      lastTouch.has(e.to) &&
      e.occurredAt.getTime() <= (lastTouch.get(e.to) ?? -Infinity),
  );
  const visible = new Set<string>([root]);
  for (const e of own) if (e.fromKind === 'STUDY') visible.add(e.from);
  for (const e of members) visible.add(e.from);
  const derivations = edges.filter(
    (e) => e.kind === 'DERIVED' && visible.has(e.from) && visible.has(e.to),
  );
  return [...derivations, ...members, ...own];
}

const EDGE_ORDER: readonly LineageEdgeKind[] = [
  'DERIVED',
  'MEMBER_OF',
  'DISCLOSED',
  'ONWARD_TRANSFER',
  'TRAINED',
  'DELETED',
];

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Chronological, then by ledger sequence; ties broken so the order is total. */
export function compareEdges(a: LineageEdgeView, b: LineageEdgeView): number {
  return (
    a.occurredAt.getTime() - b.occurredAt.getTime() ||
    a.ledgerSequence - b.ledgerSequence ||
    EDGE_ORDER.indexOf(a.kind) - EDGE_ORDER.indexOf(b.kind) ||
    codeUnitOrder(a.from, b.from) ||
    codeUnitOrder(a.to, b.to)
  );
}

/** "CT CHEST 2024-03-01", "(de-identified)" for a derivative; the uid when nothing is known. */
export function studyLabel(uid: string, study: StudyView | undefined): string {
  if (study === undefined || study.modality === 'UNKNOWN') return uid;
  const parts = [study.modality, study.bodyPart, study.studyDate].filter(
    (p): p is string => p !== null && p !== '',
  );
  return study.isDerivative ? `${parts.join(' ')} (de-identified)` : parts.join(' ');
}

/**
 * Nodes and edges of a trace: the traced study first (when it is known or has edges),
 * then every other end of an edge in edge order. A model with several versions is one
 * node labelled with all of them.
 */
export function buildLineage(
  root: string,
  rootKnown: boolean,
  edges: readonly TraceEdge[],
  labels: TraceLabels,
): LineageView {
  const sorted = [...edges].sort(compareEdges);
  if (sorted.length === 0 && !rootKnown) return { nodes: [], edges: [] };
  const modelVersions = new Map<string, Set<string>>();
  for (const e of sorted) {
    if (e.kind === 'TRAINED' && e.version !== null) {
      const versions = modelVersions.get(e.to) ?? new Set<string>();
      versions.add(e.version);
      modelVersions.set(e.to, versions);
    }
  }
  const label = (id: string, kind: LineageNodeKind): string => {
    switch (kind) {
      case 'STUDY':
        return studyLabel(id, labels.studies.get(id));
      case 'DATASET':
        return labels.datasets.get(id) ?? id;
      case 'VENDOR':
        return labels.vendors.get(id) ?? id;
      case 'MODEL': {
        const versions = [...(modelVersions.get(id) ?? [])].sort(codeUnitOrder);
        return versions.length === 0 ? id : `${id} v${versions.join(', v')}`;
      }
    }
  };
  const nodes = new Map<string, LineageNodeView>();
  const add = (id: string, kind: LineageNodeKind): void => {
    const key = `${kind}\u0000${id}`;
    if (!nodes.has(key)) nodes.set(key, { id, kind, label: label(id, kind) });
  };
  add(root, 'STUDY');
  for (const e of sorted) {
    add(e.from, e.fromKind);
    add(e.to, e.toKind);
  }
  return {
    nodes: [...nodes.values()],
    edges: sorted.map((e) => ({
      from: e.from,
      to: e.to,
      kind: e.kind,
      occurredAt: e.occurredAt,
      eventId: e.eventId,
      ledgerSequence: e.ledgerSequence,
    })),
  };
}
