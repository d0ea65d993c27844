import type { Viewer } from '@scantrail/access';
import { buildLineage, edgesAsOf, scopeToVendor, type TraceEdge } from './lineage-graph';
import { readSql } from '../sql/read-sql';
import { rows, type Queryable } from '../sql/queryable';
import type { LineageEdgeKind, LineageNodeKind, LineageView } from '../views/read-views';
import { loadStudyFacts } from '../study/study-facts';

interface TraceEdgeRow {
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
}

const toEdge = (r: TraceEdgeRow): TraceEdge => ({
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

/**
 * Where a study and its derivatives went (CONTRACT.md section 3, `trace`). With `asOf`,
 * the lineage as it stood then: only edges whose event happened at or before it. A
 * vendor-scoped viewer gets only the part that passed through its vendor (see
 * scopeToVendor), and nothing at all for a study that never reached it.
 */
export class TraceService {
  constructor(private readonly db: Queryable) {}

  async trace(viewer: Viewer, studyInstanceUid: string, asOf?: Date | null): Promise<LineageView> {
    let edges = (await rows<TraceEdgeRow>(this.db, readSql('trace-edges'), [studyInstanceUid])).map(
      toEdge,
    );
    if (asOf !== null && asOf !== undefined) edges = edgesAsOf(edges, asOf);
    const scope = viewer.vendorScope;
    if (scope !== undefined) {
      edges = scopeToVendor(studyInstanceUid, edges, scope);
      if (edges.length === 0) return { nodes: [], edges: [] };
    }

    const ids = (kind: LineageNodeKind): string[] => [
      ...new Set(
        edges.flatMap((e) =>
          [e.fromKind === kind ? e.from : [], e.toKind === kind ? e.to : []].flat(),
        ),
      ),
    ];
    const studyIds = [...new Set([studyInstanceUid, ...ids('STUDY')])];
    const [studies, datasets, vendors] = await Promise.all([
      loadStudyFacts(this.db, studyIds),
      this.names('dataset-names', 'dataset_id', ids('DATASET')),
      this.names('vendor-names', 'vendor_id', ids('VENDOR')),
    ]);
    return buildLineage(studyInstanceUid, studies.has(studyInstanceUid), edges, {
      studies,
      datasets,
      vendors,
    });
  }

  private async names(
    query: string,
    idColumn: string,
    ids: string[],
  ): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const found = await rows<Record<string, string>>(this.db, readSql(query), [ids]);
    return new Map(found.map((r) => [r[idColumn], r.name]));
  }
}
