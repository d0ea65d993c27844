// The lineage page's "De-identification inspections" panel: what readers of the files of
// the study and of its copies saw (CONTRACT v1.1 `Study.inspections`). Issues are shown by
// code, tag and keyword with how many instances had them; the API never returns a value
// read from a file, and neither does this panel.
import { fill, slot } from '../components/async-section';
import { formatCount, formatTime } from '../components/format';
import { notice } from '../components/notice';
import { panel } from '../components/panel';
import { h } from '../dom/dom-builder';
import type { LineageEdge, LineageNode } from '../lineage/lineage-layout';
import type { ViewContext } from '../views/view-context';
import { issueLabel } from './inspection-issue-codes';
import { inspectionsOfStudies, MAX_STUDIES, type InspectionRow } from './inspection-queries';
import { methodInWords } from './deidentification-methods';

/** The study first, then its copies in the order they were made, then other studies. */
export function studiesOfLineage(
  focus: string,
  nodes: readonly LineageNode[],
  edges: readonly LineageEdge[],
): string[] {
  const derived = edges
    .filter((e) => e.kind === 'DERIVED')
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.ledgerSequence - b.ledgerSequence)
    .map((e) => e.to);
  const others = nodes
    .filter((n) => n.kind === 'STUDY')
    .map((n) => n.id)
    .sort();
  return [...new Set([focus, ...derived, ...others])];
}

/** Copies (targets of a DERIVED edge) of the lineage. */
function copiesOf(edges: readonly LineageEdge[]): Set<string> {
  return new Set(edges.filter((e) => e.kind === 'DERIVED').map((e) => e.to));
}

/** The inspection that decides findings: latest time, ties by ledger sequence (section 2). */
function latestOf(inspections: readonly InspectionRow[]): InspectionRow | undefined {
  let latest: InspectionRow | undefined;
  for (const i of inspections) {
    if (
      latest === undefined ||
      i.occurredAt > latest.occurredAt ||
      (i.occurredAt === latest.occurredAt && i.ledgerSequence > latest.ledgerSequence)
    ) {
      latest = i;
    }
  }
  return latest;
}

function resultBadge(result: InspectionRow['result']): HTMLElement {
  return result === 'PASS'
    ? h('span', { class: 'badge badge-ok', 'data-result': 'PASS' }, 'Passed')
    : h('span', { class: 'badge badge-bad', 'data-result': 'FAIL' }, 'Failed');
}

function issuesTable(inspection: InspectionRow): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table inspection-issues' },
      h(
        'caption',
        { class: 'visually-hidden' },
        `Issues found by inspection ${inspection.inspectionId}`,
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Issue'),
          h('th', { scope: 'col' }, 'Tag'),
          h('th', { scope: 'col' }, 'Keyword'),
          h('th', { scope: 'col', class: 'num' }, 'Instances'),
        ),
      ),
      h(
        'tbody',
        {},
        ...inspection.issues.map((issue) =>
          h(
            'tr',
            { 'data-issue': issue.code },
            h(
              'td',
              {},
              h('div', {}, issueLabel(issue.code)),
              h('div', { class: 'muted mono small' }, issue.code),
            ),
            h('td', { class: 'mono nowrap' }, issue.tag ? `(${issue.tag})` : '–'),
            h('td', { class: 'mono' }, issue.keyword ?? '–'),
            h(
              'td',
              { class: 'num' },
              `${formatCount(issue.instances)} of ${formatCount(inspection.instances)}`,
            ),
          ),
        ),
      ),
    ),
  );
}

function inspectionCard(inspection: InspectionRow, latest: boolean): HTMLElement {
  return h(
    'article',
    {
      class: 'inspection',
      'data-inspection': inspection.inspectionId,
      'data-result': inspection.result,
    },
    h(
      'p',
      { class: 'inspection-head' },
      resultBadge(inspection.result),
      latest ? h('span', { class: 'badge badge-muted' }, 'latest: decides findings') : null,
      h('span', { class: 'nowrap' }, formatTime(inspection.occurredAt)),
      h('span', {}, `${formatCount(inspection.instances)} instances read`),
      h('span', {}, 'by ', h('span', { class: 'mono' }, inspection.tool)),
      h(
        'span',
        { class: 'muted' },
        'method codes in the files: ',
        inspection.methodCodesFound.length > 0
          ? h('span', {}, inspection.methodCodesFound.map(methodInWords).join(', '))
          : 'none',
      ),
      h('span', { class: 'muted mono' }, `ledger #${inspection.ledgerSequence}`),
    ),
    inspection.issues.length > 0 ? issuesTable(inspection) : null,
  );
}

function studyBlock(
  uid: string,
  inspections: readonly InspectionRow[],
  focus: string,
  isCopy: boolean,
): HTMLElement {
  const latest = latestOf(inspections);
  return h(
    'section',
    { class: 'inspection-study', 'data-study': uid },
    h(
      'h3',
      {},
      isCopy ? 'Copy ' : 'Study ',
      uid === focus
        ? h('span', { class: 'mono' }, uid)
        : h('a', { href: `#/lineage/${encodeURIComponent(uid)}`, class: 'mono' }, uid),
    ),
    // Oldest first, as the API gives them; the latest is marked.
    ...inspections.map((i) => inspectionCard(i, i === latest)),
  );
}

function inspectionBlocks(
  focus: string,
  focusIsCopy: boolean,
  asked: readonly string[],
  edges: readonly LineageEdge[],
  byStudy: ReadonlyMap<string, InspectionRow[]>,
  leftOut: number,
): HTMLElement[] {
  const copies = copiesOf(edges);
  // The trace of a copy does not include the derivation that made it: the study says so.
  if (focusIsCopy) copies.add(focus);
  const inspected = asked.filter((uid) => (byStudy.get(uid) ?? []).length > 0);
  const notInspected = asked.filter(
    (uid) => copies.has(uid) && byStudy.has(uid) && (byStudy.get(uid) ?? []).length === 0,
  );
  const blocks: HTMLElement[] = [];
  if (inspected.length === 0) {
    blocks.push(
      notice(
        'info',
        'No inspection of this study or its copies is recorded: whether they are de-identified rests on the method codes declared for them.',
      ),
    );
  }
  for (const uid of inspected) {
    blocks.push(studyBlock(uid, byStudy.get(uid) ?? [], focus, copies.has(uid)));
  }
  if (notInspected.length > 0) {
    blocks.push(
      h(
        'p',
        { class: 'muted', id: 'copies-not-inspected' },
        `Copies never inspected (${notInspected.length}; their de-identification rests on declared method codes only): `,
        ...notInspected.flatMap((uid, i) => [
          i > 0 ? ', ' : null,
          h('a', { href: `#/lineage/${encodeURIComponent(uid)}`, class: 'mono' }, uid),
        ]),
      ),
    );
  }
  if (leftOut > 0) {
    blocks.push(
      h(
        'p',
        { class: 'muted' },
        `${leftOut} more studies of this lineage are not shown here: open them from the graph.`,
      ),
    );
  }
  return blocks;
}

/**
 * The panel, filled as the answer arrives: inspections of the study and of each study of
 * its lineage (copies of copies too), up to MAX_STUDIES of them.
 */
export function studyInspectionsPanel(
  ctx: ViewContext,
  focus: { studyInstanceUid: string; isCopy: boolean },
  nodes: readonly LineageNode[],
  edges: readonly LineageEdge[],
): HTMLElement {
  const body = slot('study-inspections');
  const all = studiesOfLineage(focus.studyInstanceUid, nodes, edges);
  const asked = all.slice(0, MAX_STUDIES);
  void fill(
    ctx,
    body,
    'the inspections',
    () => inspectionsOfStudies(ctx.api, asked),
    (byStudy) =>
      inspectionBlocks(
        focus.studyInstanceUid,
        focus.isCopy,
        asked,
        edges,
        byStudy,
        all.length - asked.length,
      ),
  );
  return panel(
    'De-identification inspections',
    [
      h(
        'p',
        { class: 'muted small' },
        'What a reader of the DICOM files saw: issues by code, tag and keyword, never a value.',
      ),
      body,
    ],
    { id: 'inspections-panel', wide: true },
  );
}
