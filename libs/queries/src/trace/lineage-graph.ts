import type {
  LineageEdgeKind,
  LineageEdgeView,
  LineageNodeKind,
  LineageNodeView,
  LineageView,
  StudyView,
} from '../views/read-views';

/** One edge of a trace as trace.sql returns it, with what scoping and labels need. */
export interface TraceEdge extends LineageEdgeView {
  fromKind: LineageNodeKind;
  toKind: LineageNodeKind;
  /** The event's target, for DISCLOSED, ONWARD_TRANSFER, TRAINED and DELETED. */
  targetKind: 'STUDY' | 'DATASET' | null;
  target: string | null;
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

/**
 * The part of a trace that passed through one vendor. It starts from what the vendor
 * received (disclosed or transferred to it, a dataset with the members it held then);
 * then adds what the vendor itself did with any of those studies (passed them on,
 * trained on or deleted them), the dataset memberships behind what it got, and the
 * derivations among the traced study and the studies it received. Nothing that only
 * concerns other vendors remains; a study that never reached it traces to nothing.
 */
export function scopeToVendor(
  root: string,
  edges: readonly TraceEdge[],
  vendorId: string,
): TraceEdge[] {
  const memberships = edges.filter((e) => e.kind === 'MEMBER_OF');
  const carried = (e: TraceEdge): string[] => {
    if (e.target === null) return [];
    if (e.targetKind === 'STUDY') return [e.target];
    return memberships
      .filter((m) => m.to === e.target && m.occurredAt.getTime() <= e.occurredAt.getTime())
      .map((m) => m.from);
  };
  const receipts = edges.filter(
    (e) => (e.kind === 'DISCLOSED' || e.kind === 'ONWARD_TRANSFER') && e.to === vendorId,
  );
  const received = new Set(receipts.flatMap(carried));
  if (received.size === 0) return [];
  const ownActs = edges.filter(
    (e) =>
      ((e.kind === 'ONWARD_TRANSFER' && e.from === vendorId) ||
        (e.kind === 'TRAINED' && e.actor === vendorId) ||
        (e.kind === 'DELETED' && e.to === vendorId)) &&
      carried(e).some((uid) => received.has(uid)),
  );
  const kept = [...receipts, ...ownActs];
  const members = memberships.filter(
    (m) =>
      received.has(m.from) &&
      kept.some(
        (e) =>
          e.targetKind === 'DATASET' &&
          e.target === m.to &&
          m.occurredAt.getTime() <= e.occurredAt.getTime(),
      ),
  );
  const visible = new Set([root, ...received]);
  const derivations = edges.filter(
    (e) => e.kind === 'DERIVED' && visible.has(e.from) && visible.has(e.to),
  );
  return [...derivations, ...members, ...kept];
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
      channel: e.channel,
    })),
  };
}
