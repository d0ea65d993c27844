import {
  buildLineage,
  edgesAsOf,
  scopeToVendor,
  studyLabel,
  type TraceEdge,
} from './lineage-graph';
import type { LineageEdgeKind, LineageNodeKind, StudyView } from '../views/read-views';

let sequence = 0;
function edge(
  kind: LineageEdgeKind,
  from: [LineageNodeKind, string],
  to: [LineageNodeKind, string],
  day: number,
  extra: Partial<TraceEdge> = {},
): TraceEdge {
  sequence += 1;
  return {
    kind,
    fromKind: from[0],
    from: from[1],
    toKind: to[0],
    to: to[1],
    occurredAt: new Date(Date.UTC(2025, 0, day)),
    eventId: `e${sequence}`,
    ledgerSequence: sequence,
    targetKind:
      kind === 'DISCLOSED' || kind === 'TRAINED' || kind === 'DELETED'
        ? (from[0] as 'STUDY' | 'DATASET')
        : null,
    target: kind === 'DISCLOSED' || kind === 'TRAINED' || kind === 'DELETED' ? from[1] : null,
    actor: null,
    version: null,
    channel: null,
    ...extra,
  };
}

// s1 -> d1 (derivative) -> dataset ds; ds disclosed to acme; acme passes on to beta;
// s1 disclosed to other; beta trains model m on ds; acme deletes ds.
const derived = edge('DERIVED', ['STUDY', 's1'], ['STUDY', 'd1'], 2);
const member = edge('MEMBER_OF', ['STUDY', 'd1'], ['DATASET', 'ds'], 3);
const toAcme = edge('DISCLOSED', ['DATASET', 'ds'], ['VENDOR', 'acme'], 4);
const toOther = edge('DISCLOSED', ['STUDY', 's1'], ['VENDOR', 'other'], 5);
const onward = edge('ONWARD_TRANSFER', ['VENDOR', 'acme'], ['VENDOR', 'beta'], 6, {
  targetKind: 'DATASET',
  target: 'ds',
});
const trained = edge('TRAINED', ['DATASET', 'ds'], ['MODEL', 'm'], 7, {
  actor: 'beta',
  version: '2',
});
const trainedAgain = edge('TRAINED', ['DATASET', 'ds'], ['MODEL', 'm'], 8, {
  actor: 'beta',
  version: '1',
});
const deleted = edge('DELETED', ['DATASET', 'ds'], ['VENDOR', 'acme'], 9);
const all = [deleted, trainedAgain, trained, onward, toOther, toAcme, member, derived];

const ids = (edges: readonly TraceEdge[]): string[] => edges.map((e) => e.eventId).sort();

describe('scopeToVendor', () => {
  it('should keep what reached the vendor and the path to it when the vendor received a dataset', () => {
    expect(ids(scopeToVendor('s1', all, 'acme'))).toEqual(
      ids([derived, member, toAcme, onward, deleted]),
    );
  });

  it('should keep trainings by the vendor and transfers to it when it got data by transfer', () => {
    expect(ids(scopeToVendor('s1', all, 'beta'))).toEqual(
      ids([onward, trained, trainedAgain, member, derived]),
    );
  });

  it('should keep only its own disclosure when another vendor got the original directly', () => {
    expect(ids(scopeToVendor('s1', all, 'other'))).toEqual(ids([toOther]));
  });

  it('should return nothing when nothing reached the vendor', () => {
    expect(scopeToVendor('s1', all, 'stranger')).toEqual([]);
  });

  it('should show nothing when the vendor only deleted a dataset that held the study after it got it', () => {
    const joined = edge('MEMBER_OF', ['STUDY', 's3'], ['DATASET', 'ds'], 10);
    const deletedLater = edge('DELETED', ['DATASET', 'ds'], ['VENDOR', 'acme'], 12);
    expect(scopeToVendor('s3', [joined, deletedLater], 'acme')).toEqual([]);
  });

  it('should leave out members added after the vendor got the dataset', () => {
    const late = edge('MEMBER_OF', ['STUDY', 's1'], ['DATASET', 'ds'], 20);
    expect(ids(scopeToVendor('s1', [...all, late], 'acme'))).not.toContain(late.eventId);
  });
});

describe('edgesAsOf', () => {
  it('should keep edges at or before the instant when asked for a past time', () => {
    expect(ids(edgesAsOf(all, new Date(Date.UTC(2025, 0, 4))))).toEqual(
      ids([derived, member, toAcme]),
    );
  });
});

describe('buildLineage', () => {
  const studies = new Map<string, StudyView>([
    [
      's1',
      {
        studyInstanceUid: 's1',
        modality: 'CT',
        bodyPart: 'HEAD',
        studyDate: '2024-05-06',
        derivedFrom: null,
        methodCodes: [],
        isDerivative: false,
      },
    ],
    [
      'd1',
      {
        studyInstanceUid: 'd1',
        modality: 'CT',
        bodyPart: 'HEAD',
        studyDate: '2024-05-06',
        derivedFrom: 's1',
        methodCodes: ['113100'],
        isDerivative: true,
      },
    ],
  ]);
  const labels = {
    studies,
    datasets: new Map([['ds', 'Head set']]),
    vendors: new Map([['acme', 'Acme AI']]),
  };

  it('should list the root first, label every node and sort edges by time', () => {
    const lineage = buildLineage('s1', true, all, labels);
    expect(lineage.nodes).toEqual([
      { id: 's1', kind: 'STUDY', label: 'CT HEAD 2024-05-06' },
      { id: 'd1', kind: 'STUDY', label: 'CT HEAD 2024-05-06 (de-identified)' },
      { id: 'ds', kind: 'DATASET', label: 'Head set' },
      { id: 'acme', kind: 'VENDOR', label: 'Acme AI' },
      { id: 'other', kind: 'VENDOR', label: 'other' },
      { id: 'beta', kind: 'VENDOR', label: 'beta' },
      { id: 'm', kind: 'MODEL', label: 'm v1, v2' },
    ]);
    expect(lineage.edges.map((e) => e.kind)).toEqual([
      'DERIVED',
      'MEMBER_OF',
      'DISCLOSED',
      'DISCLOSED',
      'ONWARD_TRANSFER',
      'TRAINED',
      'TRAINED',
      'DELETED',
    ]);
    expect(lineage.edges[0]).toEqual({
      from: 's1',
      to: 'd1',
      kind: 'DERIVED',
      occurredAt: derived.occurredAt,
      eventId: derived.eventId,
      ledgerSequence: derived.ledgerSequence,
      channel: null,
    });
  });

  it('should be empty when the study is unknown and has no edges', () => {
    expect(buildLineage('nope', false, [], labels)).toEqual({ nodes: [], edges: [] });
  });

  it('should hold only the root when the study is known but went nowhere', () => {
    expect(buildLineage('s1', true, [], labels).nodes).toEqual([
      { id: 's1', kind: 'STUDY', label: 'CT HEAD 2024-05-06' },
    ]);
  });
});

describe('studyLabel', () => {
  it('should fall back to the uid when nothing is known of the study', () => {
    expect(studyLabel('1.2.3', undefined)).toBe('1.2.3');
  });
});
