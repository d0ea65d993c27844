import { layoutLineage, NODE_WIDTH, type LineageEdge, type LineageNode } from './lineage-layout';

const node = (id: string, kind: LineageNode['kind'] = 'STUDY'): LineageNode => ({
  id,
  kind,
  label: id,
});
let sequence = 0;
const edge = (from: string, to: string, kind: LineageEdge['kind'] = 'DISCLOSED'): LineageEdge => ({
  from,
  to,
  kind,
  occurredAt: '2024-06-01T00:00:00.000Z',
  eventId: `e-${sequence}`,
  ledgerSequence: sequence++,
  channel: null,
});

const layerOf = (layout: ReturnType<typeof layoutLineage>, id: string): number | undefined =>
  layout.nodes.find((n) => n.id === id)?.layer;

describe('layoutLineage', () => {
  it('should put every node right of its sources when the lineage has no cycle', () => {
    const nodes = [
      node('s1'),
      node('d1'),
      node('ds', 'DATASET'),
      node('v', 'VENDOR'),
      node('m', 'MODEL'),
    ];
    const edges = [
      edge('s1', 'd1', 'DERIVED'),
      edge('d1', 'ds', 'MEMBER_OF'),
      edge('ds', 'v'),
      edge('ds', 'm', 'TRAINED'),
      edge('s1', 'v'),
    ];
    const layout = layoutLineage(nodes, edges);
    for (const e of edges)
      expect(layerOf(layout, e.to)).toBeGreaterThan(layerOf(layout, e.from) ?? 99);
    expect(layout.edges.every((e) => !e.backward)).toBe(true);
    expect(layout.width).toBeGreaterThanOrEqual(4 * NODE_WIDTH);
  });

  it('should finish and draw one edge backwards when transfers form a cycle', () => {
    const layout = layoutLineage(
      [node('s'), node('a', 'VENDOR'), node('b', 'VENDOR')],
      [edge('s', 'a'), edge('a', 'b', 'ONWARD_TRANSFER'), edge('b', 'a', 'ONWARD_TRANSFER')],
    );
    expect(layout.nodes).toHaveLength(3);
    expect(layout.edges.filter((e) => e.backward)).toHaveLength(1);
  });

  it('should draw one arrow per kind when a pair of nodes has repeated edges', () => {
    const layout = layoutLineage(
      [node('s'), node('v', 'VENDOR')],
      [edge('s', 'v'), edge('s', 'v'), edge('s', 'v', 'DELETED')],
    );
    expect(layout.edges.map((e) => [e.kind, e.edges.length])).toEqual([
      ['DISCLOSED', 2],
      ['DELETED', 1],
    ]);
    expect(layout.edges.map((e) => e.label)).toEqual(['DISCLOSED ×2', 'DELETED']);
    const [a, b] = layout.edges;
    expect(a.labelAt).toBeDefined();
    expect(a.labelAt?.y).not.toBe(b.labelAt?.y);
  });

  it('should ignore an edge when it names a node that is not in the lineage', () => {
    const layout = layoutLineage([node('s')], [edge('s', 'ghost')]);
    expect(layout.edges).toEqual([]);
    expect(layout.nodes.map((n) => n.layer)).toEqual([0]);
  });

  it('should give an empty drawing when the lineage is empty', () => {
    const layout = layoutLineage([], []);
    expect(layout.nodes).toEqual([]);
    expect(layout.height).toBeGreaterThan(0);
  });

  it('should leave a label out rather than stack it on another when many edges converge', () => {
    const sources = Array.from({ length: 12 }, (_, i) => node(`ds${i}`, 'DATASET'));
    const layout = layoutLineage(
      [...sources, node('v', 'VENDOR')],
      sources.map((d) => edge(d.id, 'v')),
    );
    const spots = layout.edges.flatMap((e) => (e.labelAt ? [e.labelAt] : []));
    expect(spots.length).toBeGreaterThan(0);
    for (const [i, p] of spots.entries()) {
      for (const q of spots.slice(i + 1)) {
        expect(Math.abs(p.x - q.x) >= 60 || Math.abs(p.y - q.y) >= 14).toBe(true);
      }
    }
  });

  it('should word and space labels as the drawing measures them when it gives a measure', () => {
    const sources = Array.from({ length: 6 }, (_, i) => node(`ds${i}`, 'DATASET'));
    const layout = layoutLineage(
      [...sources, node('v', 'VENDOR')],
      [...sources.map((d) => edge(d.id, 'v')), edge('ds0', 'v')],
      { labelOf: (kind) => `${kind} in words`, labelWidth: (label) => label.length * 12 },
    );
    expect(layout.edges[0].label).toBe('DISCLOSED in words ×2');
    expect(layout.edges[0].labelWidth).toBe(21 * 12);
    const placed = layout.edges.filter((e) => e.labelAt !== undefined);
    expect(placed.length).toBeGreaterThan(1);
    for (const [i, a] of placed.entries()) {
      for (const b of placed.slice(i + 1)) {
        const apart = Math.abs((a.labelAt?.x ?? 0) - (b.labelAt?.x ?? 0));
        const above = Math.abs((a.labelAt?.y ?? 0) - (b.labelAt?.y ?? 0));
        expect(apart >= (a.labelWidth + b.labelWidth) / 2 || above >= 14).toBe(true);
      }
    }
  });

  it('should keep nodes of one column from overlapping when a dataset fans out', () => {
    const vendors = ['a', 'b', 'c', 'd'].map((id) => node(id, 'VENDOR'));
    const layout = layoutLineage(
      [node('ds', 'DATASET'), ...vendors],
      vendors.map((v) => edge('ds', v.id)),
    );
    const ys = layout.nodes
      .filter((n) => n.kind === 'VENDOR')
      .map((n) => n.y)
      .sort((x, y) => x - y);
    ys.slice(1).forEach((y, i) => expect(y - ys[i]).toBeGreaterThanOrEqual(56));
  });
});
