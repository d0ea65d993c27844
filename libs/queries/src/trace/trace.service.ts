import type { Viewer } from '@scantrail/access';
import { buildLineage, edgesAsOf, scopeToVendor, type TraceEdge } from './lineage-graph';
import { readSql } from '../sql/read-sql';
import { studyViewOf } from '../study/study-facts';
import { rows, type Queryable } from '../sql/queryable';
import type { LineageEdgeKind, LineageNodeKind, LineageView, StudyView } from '../views/read-views';

/** A row of trace.sql: an edge, or the label of a node some edge names (its id in from_id). */
interface TraceRow {
  row_kind: 'EDGE' | 'STUDY' | 'DATASET' | 'VENDOR';
  kind: LineageEdgeKind;
  from_kind: LineageNodeKind;
  from_id: string;
  to_kind: LineageNodeKind;
  to_id: string;
  occurred_at: Date;
  event_id: string;
  ledger_sequence: string;
  target_kind: 'STUDY' | 'DATASET' | null;
  target_id: string | null;
  actor: string | null;
  version: string | null;
  channel: string | null;
  derived_from: string | null;
  method_codes: string[];
  modality: string | null;
  body_part: string | null;
  study_date: string | null;
  name: string;
}

const toEdge = (r: TraceRow): TraceEdge => ({
  kind: r.kind,
  fromKind: r.from_kind,
  from: r.from_id,
  toKind: r.to_kind,
  to: r.to_id,
  occurredAt: r.occurred_at,
  eventId: r.event_id,
  ledgerSequence: Number(r.ledger_sequence),
  targetKind: r.target_kind,
  target: r.target_id,
  actor: r.actor,
  version: r.version,
  channel: r.channel,
});

/** A STUDY label row as loadStudyFacts reads the same study (study-facts.sql). */
const toStudy = (r: TraceRow): StudyView => studyViewOf(r.from_id, r);

/**
 * Where a study and its derivatives went (CONTRACT.md section 3, `trace`). With `asOf`,
 * the lineage as it stood then: only edges whose event happened at or before it. A
 * vendor-scoped viewer gets only the part that passed through its vendor (see
 * scopeToVendor), and nothing at all for a study that never reached it. One statement
 * reads the edges and the labels of their ends (trace.sql).
 */
export class TraceService {
  constructor(private readonly db: Queryable) {}

  async trace(viewer: Viewer, studyInstanceUid: string, asOf?: Date | null): Promise<LineageView> {
    const found = await rows<TraceRow>(this.db, readSql('trace'), [studyInstanceUid]);
    let edges: TraceEdge[] = [];
    const labels = {
      studies: new Map<string, StudyView>(),
      datasets: new Map<string, string>(),
      vendors: new Map<string, string>(),
    };
    for (const r of found) {
      switch (r.row_kind) {
        case 'EDGE':
          edges.push(toEdge(r));
          break;
        case 'STUDY':
          labels.studies.set(r.from_id, toStudy(r));
          break;
        case 'DATASET':
          labels.datasets.set(r.from_id, r.name);
          break;
        case 'VENDOR':
          labels.vendors.set(r.from_id, r.name);
          break;
      }
    }
    if (asOf !== null && asOf !== undefined) edges = edgesAsOf(edges, asOf);
    const scope = viewer.vendorScope;
    if (scope !== undefined) {
      edges = scopeToVendor(studyInstanceUid, edges, scope);
      if (edges.length === 0) return { nodes: [], edges: [] };
    }
    return buildLineage(studyInstanceUid, labels.studies.has(studyInstanceUid), edges, labels);
  }
}
