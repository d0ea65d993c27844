// The vendor page's deletion obligations: what this vendor still has to delete for patients'
// requests, overdue first, then soonest due (a vendor's own token reads the same, and only
// its own).
import { fill, slot } from '../components/async-section';
import { formatCount, formatDay } from '../components/format';
import { panel } from '../components/panel';
import { h } from '../dom/dom-builder';
import type { ViewContext } from '../views/view-context';
import { statusBadge } from './deletion-status';
import {
  deletionRequestsPage,
  obligationsByVendor,
  type DeletionRequestRow,
} from './patient-rights.queries';

/** The most urgent requests, one page in the server's order; more is said, not hidden. */
const MOST_URGENT = 100;

export interface OpenObligation {
  request: DeletionRequestRow;
  studyInstanceUid: string;
  receivedAt: string;
  status: 'OPEN' | 'OVERDUE';
}

/**
 * The open and overdue obligations of these requests, in the order the server listed the
 * requests (deletionRequests(orderBy: DUE_DATE): overdue first, the most overdue, then the
 * soonest due, over every request, not only those fetched); a request's own by study.
 */
export function obligationsOf(requests: readonly DeletionRequestRow[]): OpenObligation[] {
  return requests.flatMap((request) =>
    [...request.obligations]
      .sort((a, b) =>
        a.studyInstanceUid < b.studyInstanceUid
          ? -1
          : a.studyInstanceUid > b.studyInstanceUid
            ? 1
            : 0,
      )
      .flatMap((o) =>
        o.status === 'OPEN' || o.status === 'OVERDUE'
          ? [
              {
                request,
                studyInstanceUid: o.studyInstanceUid,
                receivedAt: o.receivedAt,
                status: o.status,
              },
            ]
          : [],
      ),
  );
}

const DAY_MS = 86_400_000;

/**
 * "3 days overdue", "due today", "due tomorrow", "due in 12 days": whole days between `now` and
 * the end of `dueBy` (the API's status says which side of it the obligation is).
 */
export function dueInWords(dueBy: string, status: OpenObligation['status'], now: number): string {
  const due = Date.parse(dueBy);
  if (Number.isNaN(due)) return '';
  if (status === 'OVERDUE') {
    const late = Math.max(1, Math.ceil((now - due) / DAY_MS));
    return `${formatCount(late)} ${late === 1 ? 'day' : 'days'} overdue`;
  }
  const left = Math.max(0, Math.floor((due - now) / DAY_MS));
  if (left === 0) return 'due today';
  return left === 1 ? 'due tomorrow' : `due in ${formatCount(left)} days`;
}

function table(rows: readonly OpenObligation[]): HTMLElement {
  const now = Date.now();
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table' },
      h('caption', { class: 'visually-hidden' }, 'Open and overdue deletion obligations'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Request'),
          h('th', { scope: 'col' }, 'Due by'),
          h('th', { scope: 'col' }, 'Study'),
          h('th', { scope: 'col' }, 'Held since'),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((o) =>
          h(
            'tr',
            { 'data-status': o.status, 'data-request': o.request.requestId },
            h('td', {}, statusBadge(o.status)),
            h('td', { class: 'mono wrap-anywhere' }, o.request.requestId),
            h(
              'td',
              { class: 'nowrap due-by' },
              h('time', { datetime: o.request.dueBy }, formatDay(o.request.dueBy)),
              h('div', { class: 'muted small due-in' }, dueInWords(o.request.dueBy, o.status, now)),
            ),
            h('td', { class: 'mono small wrap-anywhere' }, o.studyInstanceUid),
            h('td', { class: 'nowrap' }, formatDay(o.receivedAt)),
          ),
        ),
      ),
    ),
  );
}

export function vendorObligationsPanel(ctx: ViewContext, vendorId: string): HTMLElement {
  const body = slot('vendor-deletion-obligations-body');
  void fill(
    ctx,
    body,
    'deletion obligations',
    async () => {
      const [urgent, lines] = await Promise.all([
        deletionRequestsPage(ctx.api, { vendorId, orderBy: 'DUE_DATE' }, null, MOST_URGENT),
        obligationsByVendor(ctx.api, undefined),
      ]);
      return { urgent, line: lines.find((l) => l.vendor.vendorId === vendorId) };
    },
    ({ urgent, line }) => {
      const rows = obligationsOf(urgent.edges.map((e) => e.node));
      const more = urgent.pageInfo.hasNextPage;
      // The server counts over every request; the table below shows the most urgent ones.
      const counts = `${formatCount(line?.overdue ?? 0)} overdue, ${formatCount(line?.open ?? 0)} open`;
      return [
        rows.length === 0
          ? h('p', { class: 'empty' }, 'Nothing to delete: no open or overdue obligation.')
          : h('p', { class: 'panel-summary', id: 'vendor-obligation-counts' }, counts),
        rows.length === 0 ? null : table(rows),
        more
          ? h(
              'p',
              { class: 'hint' },
              `Showing the ${formatCount(MOST_URGENT)} most urgent of ${formatCount(urgent.totalCount)} requests; the deletion requests page lists them all.`,
            )
          : null,
      ];
    },
  );
  return panel('Deletion obligations', [body], {
    id: 'vendor-deletion-obligations',
    actions: [
      h('a', { href: '#/deletion-requests', class: 'button secondary small' }, 'All requests'),
    ],
  });
}
