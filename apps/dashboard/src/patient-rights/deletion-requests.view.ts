// #/deletion-requests: patients' requests to delete their images, followed to every holder
// (CONTRACT v1.1 section 3.1). Overdue first, then open (each by due date), then fulfilled;
// a status filter; the open and overdue obligations per vendor; for privacy officers the
// status letter (PDF, CSV) and the open obligations (CSV) to send to vendors.
import type { Connection } from '../api/dashboard-queries';
import { fill, slot } from '../components/async-section';
import { CursorPager, pagerControls } from '../components/cursor-pager';
import { formatCount, formatDay } from '../components/format';
import { panel } from '../components/panel';
import { h, replaceChildren } from '../dom/dom-builder';
import type { ViewContext } from '../views/view-context';
import {
  byHolder,
  countsText,
  downloadButton,
  fileSafe,
  statusBadge,
  statusLabel,
  STATUS_ORDER,
} from './deletion-status';
import {
  deletionRequestsPage,
  obligationsByVendor,
  type DeletionRequestFilter,
  type DeletionRequestRow,
  type DeletionStatus,
  type VendorObligationsRow,
} from './patient-rights.queries';

/** Request statuses a list can hold (a request is never EXEMPT as a whole). */
const LIST_STATUSES: readonly DeletionStatus[] = ['OVERDUE', 'OPEN', 'FULFILLED'];

const endOfDay = (day: string): string | undefined => (day ? `${day}T23:59:59.999Z` : undefined);

function obligationsTable(request: DeletionRequestRow): HTMLElement {
  return h(
    'table',
    { class: 'table compact-table' },
    h('caption', { class: 'visually-hidden' }, `Obligations of request ${request.requestId}`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Holder'),
        h('th', { scope: 'col' }, 'Study'),
        h('th', { scope: 'col' }, 'Held since'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Deletion attested'),
      ),
    ),
    h(
      'tbody',
      {},
      ...request.obligations.map((o) =>
        h(
          'tr',
          {},
          h(
            'td',
            {},
            h(
              'a',
              {
                href: `#/vendors/${encodeURIComponent(o.vendor.vendorId)}`,
                class: 'clamp',
                title: o.vendor.name,
              },
              o.vendor.name,
            ),
          ),
          h('td', { class: 'mono small wrap-anywhere' }, o.studyInstanceUid),
          h('td', { class: 'nowrap' }, formatDay(o.receivedAt)),
          h('td', {}, statusBadge(o.status)),
          h('td', { class: 'nowrap' }, o.attestedAt === null ? '–' : formatDay(o.attestedAt)),
        ),
      ),
    ),
  );
}

/** "4 obligations, 3 studies": one obligation per holder of each study, so the two differ. */
function obligationsSummary(request: DeletionRequestRow): string {
  const obligations = request.obligations.length;
  const studies = new Set(request.obligations.map((o) => o.studyInstanceUid)).size;
  return `${formatCount(obligations)} obligation${obligations === 1 ? '' : 's'}, ${formatCount(studies)} stud${studies === 1 ? 'y' : 'ies'}`;
}

/** Each holder on one line: its name and its obligations by status. */
function holdersCell(request: DeletionRequestRow): HTMLElement {
  if (request.obligations.length === 0) {
    return h('td', { class: 'muted' }, 'No holder when requested');
  }
  return h(
    'td',
    {},
    h(
      'ul',
      { class: 'holder-list' },
      ...byHolder(request.obligations).map((holder) =>
        h(
          'li',
          { 'data-vendor': holder.vendorId },
          h(
            'a',
            {
              href: `#/vendors/${encodeURIComponent(holder.vendorId)}`,
              class: 'clamp',
              title: holder.name,
            },
            holder.name,
          ),
          h('span', { class: 'muted small nowrap' }, countsText(holder.counts)),
        ),
      ),
    ),
    h(
      'details',
      { class: 'obligation-details' },
      h('summary', {}, obligationsSummary(request)),
      obligationsTable(request),
    ),
  );
}

function requestsTable(
  ctx: ViewContext,
  page: Connection<DeletionRequestRow>,
  asOf: string | undefined,
  status: HTMLElement,
): HTMLElement {
  if (page.edges.length === 0) return h('p', { class: 'empty' }, 'No deletion requests.');
  const letters = ctx.abilities.patientReport;
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table requests-table' },
      h('caption', { class: 'visually-hidden' }, 'Deletion requests'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Request'),
          h('th', { scope: 'col' }, 'Requested'),
          h('th', { scope: 'col' }, 'Due by'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Obligations by holder'),
          letters ? h('th', { scope: 'col' }, 'Letter to the patient') : null,
        ),
      ),
      h(
        'tbody',
        {},
        ...page.edges.map(({ node: r }) =>
          h(
            'tr',
            { 'data-request': r.requestId, 'data-status': r.status },
            h(
              'th',
              { scope: 'row' },
              h('span', { class: 'mono wrap-anywhere' }, r.requestId),
              r.legalGround
                ? // Wrapped in the column's room: a law's name cut after 160 px named none.
                  h('div', { class: 'muted small clamp', title: r.legalGround }, r.legalGround)
                : null,
            ),
            h('td', { class: 'nowrap' }, formatDay(r.requestedAt)),
            h('td', { class: 'nowrap' }, formatDay(r.dueBy)),
            h('td', {}, statusBadge(r.status)),
            holdersCell(r),
            letters
              ? h(
                  'td',
                  { class: 'nowrap' },
                  ...(['pdf', 'csv'] as const).map((format) =>
                    downloadButton(ctx, {
                      id: `letter-${format}-${fileSafe(r.requestId)}`,
                      label: format.toUpperCase(),
                      ariaLabel: `Letter for request ${r.requestId} as ${format.toUpperCase()}`,
                      path: 'reports/deletion-request',
                      body: () => ({ requestId: r.requestId, asOf, format }),
                      filename: `deletion-request-${fileSafe(r.requestId)}.${format}`,
                      status,
                    }),
                  ),
                )
              : null,
          ),
        ),
      ),
    ),
  );
}

/** Vendors with open or overdue obligations, as the server counted them over every request. */
function vendorTallyTable(lines: readonly VendorObligationsRow[]): (Node | null)[] {
  const tallies = lines.filter((t) => t.overdue + t.open > 0);
  if (tallies.length === 0) {
    return [h('p', { class: 'empty' }, 'No open or overdue obligations.')];
  }
  return [
    // Scrolls sideways in its card in a narrow window (the page itself does not).
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'table vendor-obligations' },
        h('caption', { class: 'visually-hidden' }, 'Open and overdue obligations per vendor'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Vendor'),
            h('th', { scope: 'col', class: 'num' }, 'Overdue'),
            h('th', { scope: 'col', class: 'num' }, 'Open'),
          ),
        ),
        h(
          'tbody',
          {},
          ...tallies.map((t) =>
            h(
              'tr',
              { 'data-vendor': t.vendor.vendorId },
              h(
                'th',
                { scope: 'row' },
                h(
                  'a',
                  {
                    href: `#/vendors/${encodeURIComponent(t.vendor.vendorId)}`,
                    // Wrapped in the column's room, not cut at a fixed width: a hostile
                    // name still stops at three lines.
                    class: 'clamp',
                    title: t.vendor.name,
                  },
                  t.vendor.name,
                ),
              ),
              h('td', { class: `num${t.overdue > 0 ? ' bad-text' : ''}` }, formatCount(t.overdue)),
              h('td', { class: 'num' }, formatCount(t.open)),
            ),
          ),
        ),
      ),
    ),
  ];
}

export function renderDeletionRequests(main: HTMLElement, ctx: ViewContext): void {
  const own = ctx.abilities.vendorId;
  let status: DeletionStatus | '' = '';
  let asOfDay = '';
  const downloadStatus = h('div', { id: 'rights-download-status', 'aria-live': 'polite' });
  const statusSelect = h(
    'select',
    {
      id: 'status-filter',
      on: {
        change: () => {
          status = statusSelect.value as DeletionStatus | '';
          showLists();
        },
      },
    },
    h('option', { value: '' }, 'All (overdue first)'),
    ...LIST_STATUSES.map((s) => h('option', { value: s }, statusLabel(s))),
  );
  const asOfInput = h('input', {
    type: 'date',
    id: 'as-of',
    on: {
      change: () => {
        asOfDay = asOfInput.value;
        showTally();
        showLists();
      },
    },
  });
  const lists = h('div', { id: 'request-lists' });
  const tallyBody = slot('vendor-tally');

  // Overdue and open requests by due date (the most overdue, then the soonest due, first:
  // what to chase today), over every request on the server; fulfilled ones as requested.
  const filterOf = (s: DeletionStatus): DeletionRequestFilter => ({
    status: s,
    asOf: endOfDay(asOfDay),
    vendorId: own,
    orderBy: s === 'FULFILLED' ? undefined : 'DUE_DATE',
  });

  const showTally = (): void =>
    void fill(
      ctx,
      tallyBody,
      'obligations per vendor',
      () => obligationsByVendor(ctx.api, endOfDay(asOfDay)),
      vendorTallyTable,
    );

  const statusPanel = (s: DeletionStatus): HTMLElement => {
    const body = slot(`requests-${s.toLowerCase()}-body`);
    const pager = new CursorPager();
    const show = (): void =>
      void fill(
        ctx,
        body,
        `${statusLabel(s).toLowerCase()} requests`,
        () => deletionRequestsPage(ctx.api, filterOf(s), pager.after),
        (page) => [
          requestsTable(ctx, page, endOfDay(asOfDay), downloadStatus),
          pagerControls(pager, page, `${statusLabel(s)} requests`, show),
        ],
      );
    show();
    return panel(`${statusLabel(s)} requests`, [body], {
      id: `requests-${s.toLowerCase()}`,
      wide: true,
    });
  };

  const showLists = (): void => {
    const shown = status === '' ? LIST_STATUSES : [status];
    replaceChildren(lists, ...STATUS_ORDER.filter((s) => shown.includes(s)).map(statusPanel));
  };

  replaceChildren(
    main,
    h('h1', { tabindex: '-1' }, 'Deletion requests'),
    h(
      'p',
      { class: 'lead' },
      own === undefined
        ? 'Patients asked for their images to be deleted. Each holder at the time of the request must attest deletion by the due date; a properly de-identified copy is exempt.'
        : `Deletion requests with an obligation of ${own}: only your own obligations are shown.`,
    ),
    h(
      'div',
      { class: 'filters' },
      h('label', { for: 'status-filter', class: 'inline-label' }, 'Status'),
      statusSelect,
      h('label', { for: 'as-of', class: 'inline-label' }, 'As of (end of day, UTC)'),
      asOfInput,
      ctx.abilities.patientReport
        ? downloadButton(ctx, {
            id: 'open-obligations-csv',
            label: 'Open obligations (CSV)',
            path: 'reports/open-obligations',
            body: () => ({ asOf: endOfDay(asOfDay) }),
            filename: 'open-deletion-obligations.csv',
            status: downloadStatus,
          })
        : null,
    ),
    downloadStatus,
    panel('Open and overdue obligations per vendor', [tallyBody], { id: 'vendor-obligations' }),
    lists,
  );
  showTally();
  showLists();
}
