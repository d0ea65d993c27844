// #/lineage/<study>?seq=&vendor=&code= : where a study and its derivatives went, drawn
// as a graph; when opened from a finding, that finding's edges are highlighted.
import { findingsPage, trace, type StudySummary } from '../api/dashboard-queries';
import { fill, slot } from '../components/async-section';
import { codeChip } from '../components/code-chip';
import { CursorPager, pagerControls } from '../components/cursor-pager';
import { formatTime } from '../components/format';
import { failureNotice, loading, notice } from '../components/notice';
import { panel } from '../components/panel';
import { h, replaceChildren } from '../dom/dom-builder';
import { methodInWords } from '../inspection/deidentification-methods';
import { studyInspectionsPanel } from '../inspection/study-inspections.panel';
import { edgeKindWords } from '../lineage/edge-kinds';
import { EDGE_COLOURS, lineageGraph, NODE_COLOURS } from '../lineage/lineage-graph';
import type { LineageEdge, LineageNode, NodeKind } from '../lineage/lineage-layout';
import { swatch } from '../charts/findings-chart';
import { channelCell } from '../bridge/pacs-channel';
import { findingsTable } from './vendor.view';
import type { ViewContext } from './view-context';

export interface LineageParams {
  /** The ledger sequence of the finding the user came from. */
  sequence?: number;
  vendorId?: string;
  code?: string;
}

function studyLine(study: StudySummary | null): HTMLElement | null {
  if (study === null) return null;
  const parts = [study.modality, study.bodyPart, study.studyDate].filter((p): p is string => !!p);
  return h(
    'p',
    { class: 'lead' },
    parts.join(' · '),
    study.methodCodes.length > 0
      ? ` · de-identified: ${study.methodCodes.map(methodInWords).join(', ')}`
      : null,
    study.derivedFrom
      ? h(
          'span',
          {},
          ' · derived from ',
          h(
            'a',
            {
              href: `#/lineage/${encodeURIComponent(study.derivedFrom.studyInstanceUid)}`,
              class: 'mono',
            },
            study.derivedFrom.studyInstanceUid,
          ),
        )
      : null,
  );
}

function legend(edges: readonly LineageEdge[]): HTMLElement {
  const kinds = Object.keys(NODE_COLOURS) as NodeKind[];
  const edgeKinds = Object.keys(EDGE_COLOURS).filter((k) => edges.some((e) => e.kind === k));
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    ...kinds.map((k) =>
      h(
        'li',
        {},
        swatch(NODE_COLOURS[k].stroke),
        h('span', { class: 'legend-label' }, k.toLowerCase()),
      ),
    ),
    ...edgeKinds.map((k) =>
      h(
        'li',
        {},
        h('span', { class: 'legend-arrow', 'aria-hidden': 'true' }, '→'),
        swatch(EDGE_COLOURS[k]),
        h('span', { class: 'legend-label', title: k }, edgeKindWords(k)),
      ),
    ),
  );
}

function edgesTable(
  nodes: readonly LineageNode[],
  edges: readonly LineageEdge[],
  highlight: ReadonlySet<number>,
): HTMLElement {
  const label = new Map(nodes.map((n) => [n.id, n.label]));
  const cell = (id: string): HTMLElement => {
    const text = label.get(id) ?? id;
    return h(
      'td',
      {},
      h('div', { class: 'clip', title: text }, text),
      h('div', { class: 'muted mono small' }, id),
    );
  };
  const sorted = [...edges].sort(
    (a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.ledgerSequence - b.ledgerSequence,
  );
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', id: 'lineage-edges' },
      h('caption', { class: 'visually-hidden' }, 'Every edge of the lineage'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'When'),
          h('th', { scope: 'col' }, 'From'),
          h('th', { scope: 'col' }, 'Kind'),
          h('th', { scope: 'col' }, 'To'),
          h('th', { scope: 'col' }, 'Channel'),
          h('th', { scope: 'col', class: 'num' }, 'Ledger #'),
        ),
      ),
      h(
        'tbody',
        {},
        ...sorted.map((e) =>
          h(
            'tr',
            { class: highlight.has(e.ledgerSequence) ? 'highlight' : undefined },
            h('td', { class: 'nowrap' }, formatTime(e.occurredAt)),
            cell(e.from),
            h(
              'td',
              { class: 'edge-kind-cell' },
              h('span', { title: e.kind }, edgeKindWords(e.kind)),
            ),
            cell(e.to),
            h('td', { class: 'channel' }, channelCell(e.channel)),
            h('td', { class: 'num mono' }, String(e.ledgerSequence)),
          ),
        ),
      ),
    ),
  );
}

export async function renderLineage(
  main: HTMLElement,
  ctx: ViewContext,
  studyUid: string,
  params: LineageParams,
): Promise<void> {
  // The vendor by its name once the trace has named it (cut to fit, whole in its title).
  const heading = (vendorName?: string): HTMLElement[] => [
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      h('a', { href: '#/' }, 'Overview'),
      params.vendorId ? ' / ' : null,
      params.vendorId
        ? h(
            'a',
            {
              href: `#/vendors/${encodeURIComponent(params.vendorId)}`,
              class: vendorName ? 'clip' : undefined,
              title: vendorName,
            },
            vendorName ?? params.vendorId,
          )
        : null,
      ' / ',
      h('span', { 'aria-current': 'page' }, 'Lineage'),
    ),
    h(
      'h1',
      { tabindex: '-1' },
      'Lineage of study ',
      h('span', { class: 'mono wrap-anywhere' }, studyUid),
    ),
  ];
  replaceChildren(main, ...heading(), loading('the lineage'));
  let lineage: Awaited<ReturnType<typeof trace>>;
  try {
    lineage = await trace(ctx.api, studyUid);
  } catch (error) {
    if (ctx.current()) replaceChildren(main, ...heading(), failureNotice(error, 'this lineage'));
    return;
  }
  if (!ctx.current()) return;
  const highlight = new Set(params.sequence === undefined ? [] : [params.sequence]);
  const vendorNames = new Map(
    lineage.nodes.filter((n) => n.kind === 'VENDOR').map((n) => [n.id, n.label]),
  );
  const vendorName = (vendorId: string): string | undefined => vendorNames.get(vendorId);
  const cameFrom = params.vendorId;
  const fromVendor =
    cameFrom === undefined
      ? 'a vendor'
      : vendorName(cameFrom) === undefined
        ? cameFrom
        : `${vendorName(cameFrom) ?? ''} (${cameFrom})`;
  const findingsBody = slot('study-findings');
  const fromFinding =
    params.sequence !== undefined
      ? notice(
          'info',
          'Opened from a finding: ',
          params.code ? codeChip(params.code) : null,
          params.code ? h('span', { class: 'mono small' }, ` ${params.code}`) : null,
          ` on ${fromVendor}, ledger entry #${params.sequence}. Its edges are drawn thicker.`,
        )
      : null;
  const graph =
    lineage.nodes.length === 0
      ? notice('info', 'Nothing to trace: the study is unknown, or none of it reached you.')
      : h(
          'div',
          {
            class: 'graph-scroll',
            tabindex: '0',
            'aria-label': 'Lineage graph (scrolls sideways)',
          },
          lineageGraph(lineage.nodes, lineage.edges, {
            focus: studyUid,
            highlight,
            title: `Lineage of study ${studyUid}`,
          }),
        );
  replaceChildren(
    main,
    ...heading(cameFrom === undefined ? undefined : vendorName(cameFrom)),
    studyLine(lineage.study),
    fromFinding,
    panel('Where the data went', [legend(lineage.edges), graph], {
      id: 'lineage-graph',
      wide: true,
    }),
    lineage.edges.length > 0
      ? panel(
          `Edges (${lineage.edges.length})`,
          [edgesTable(lineage.nodes, lineage.edges, highlight)],
          {
            id: 'lineage-table',
            wide: true,
          },
        )
      : null,
    lineage.nodes.length > 0
      ? studyInspectionsPanel(
          ctx,
          { studyInstanceUid: studyUid, isCopy: !!lineage.study?.derivedFrom },
          lineage.nodes,
          lineage.edges,
        )
      : null,
    panel('Findings on this study', [findingsBody], { id: 'study-findings-panel', wide: true }),
  );
  ctx.announce(`Lineage drawn: ${lineage.nodes.length} nodes, ${lineage.edges.length} edges`);
  const pager = new CursorPager();
  const showFindings = (): void =>
    void fill(
      ctx,
      findingsBody,
      'findings on this study',
      () => findingsPage(ctx.api, { studyInstanceUid: studyUid }, pager.after),
      (page) => [
        findingsTable(page, true, params.sequence, vendorName),
        pagerControls(pager, page, 'Study findings', showFindings),
      ],
    );
  showFindings();
}
