// #/vendors/<id>: one vendor, its findings over time and its findings page by page.
import { vendorDestinationsPanel } from '../bridge/vendor-destinations.panel';
import {
  findingsPage,
  monthCounts,
  vendor,
  type Connection,
  type FindingRow,
  type VendorRow,
} from '../api/dashboard-queries';
import { findingsChart } from '../charts/findings-chart';
import { fill, slot } from '../components/async-section';
import { codeChip } from '../components/code-chip';
import { CursorPager, pagerControls } from '../components/cursor-pager';
import { formatCount, formatTime, vendorRoleLabel } from '../components/format';
import { failureNotice, loading, notice } from '../components/notice';
import { panel, stat } from '../components/panel';
import { h, replaceChildren } from '../dom/dom-builder';
import {
  codeLabel,
  FINDING_CODES,
  isFindingCode,
  type FindingCode,
} from '../findings/finding-codes';
import { findingDetail } from '../findings/finding-detail-words';
import type { ViewContext } from './view-context';
import { vendorObligationsPanel } from '../patient-rights/vendor-obligations.panel';

export function lineageHref(finding: FindingRow): string {
  const params = new URLSearchParams({
    seq: String(finding.ledgerSequence),
    vendor: finding.vendorId,
    code: finding.code,
  });
  return `#/lineage/${encodeURIComponent(finding.studyInstanceUid)}?${params.toString()}`;
}

/**
 * The findings table shared by the vendor and lineage views; `highlight`: the ledger sequence
 * of the finding the user came from, whose rows are marked; `vendorName`: the names the
 * page knows vendors by, in the vendor column and the details (an unknown one is shown by
 * its id).
 */
export function findingsTable(
  page: Connection<FindingRow>,
  showVendor: boolean,
  highlight?: number,
  vendorName: (vendorId: string) => string | undefined = () => undefined,
): HTMLElement {
  if (page.edges.length === 0) return h('p', { class: 'empty' }, 'No findings.');
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table findings-table' },
      h('caption', { class: 'visually-hidden' }, 'Findings'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'When'),
          h('th', { scope: 'col' }, 'Code'),
          showVendor ? h('th', { scope: 'col' }, 'Vendor') : null,
          h('th', { scope: 'col' }, 'Study'),
          h('th', { scope: 'col' }, 'Detail'),
          h('th', { scope: 'col', class: 'num' }, 'Ledger #'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Lineage')),
        ),
      ),
      h(
        'tbody',
        {},
        ...page.edges.map(({ node: f }) =>
          h(
            'tr',
            {
              'data-sequence': f.ledgerSequence,
              class: f.ledgerSequence === highlight ? 'highlight' : undefined,
            },
            h('td', { class: 'nowrap' }, formatTime(f.occurredAt)),
            // The title in words, and the code an auditor searches the API and reports for.
            h(
              'td',
              { class: 'finding-code' },
              codeChip(f.code),
              h('div', { class: 'mono small muted code-name' }, f.code),
            ),
            showVendor ? vendorCell(f.vendorId, vendorName(f.vendorId)) : null,
            h('td', { class: 'mono small' }, f.studyInstanceUid),
            h('td', { class: 'detail' }, findingDetail(f.detail, vendorName)),
            h('td', { class: 'num mono' }, String(f.ledgerSequence)),
            h(
              'td',
              { class: 'nowrap' },
              h(
                'a',
                {
                  href: lineageHref(f),
                  class: 'button secondary small lineage-link',
                  'aria-label': `Lineage of study ${f.studyInstanceUid}`,
                },
                'Lineage →',
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The vendor's name as a link, its id below; the id alone when no name is known. */
function vendorCell(vendorId: string, name: string | undefined): HTMLElement {
  const href = `#/vendors/${encodeURIComponent(vendorId)}`;
  if (name === undefined || name === vendorId) {
    return h('td', { class: 'finding-vendor' }, h('a', { href }, vendorId));
  }
  return h(
    'td',
    { class: 'finding-vendor' },
    h('a', { href, class: 'clamp', title: name }, name),
    h('div', { class: 'muted mono small' }, vendorId),
  );
}

const backTo = (): HTMLElement[] => [
  h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'Overview')),
];

function header(v: VendorRow): HTMLElement[] {
  return [
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      h('a', { href: '#/' }, 'Overview'),
      ' / ',
      h('span', { 'aria-current': 'page', class: 'clip', title: v.name }, v.name),
    ),
    h(
      'div',
      { class: 'title-row' },
      h('h1', { tabindex: '-1', class: 'clip', title: v.name }, v.name),
      h('span', { class: `role role-${v.role.toLowerCase()}` }, vendorRoleLabel(v.role)),
    ),
    h(
      'p',
      { class: 'lead' },
      h('span', { class: 'mono' }, v.vendorId),
      // Below the id, at most three lines (an address comes from an event, unbounded).
      v.address ? h('span', { class: 'clamp', title: v.address }, v.address) : null,
    ),
  ];
}

export async function renderVendor(
  main: HTMLElement,
  ctx: ViewContext,
  vendorId: string,
): Promise<void> {
  replaceChildren(main, h('h1', { tabindex: '-1' }, vendorId), loading('the vendor'));
  let v: VendorRow | null;
  try {
    v = await vendor(ctx.api, vendorId);
  } catch (error) {
    if (ctx.current()) {
      replaceChildren(
        main,
        ...backTo(),
        h('h1', { tabindex: '-1' }, vendorId),
        failureNotice(error, 'this vendor'),
      );
    }
    return;
  }
  if (!ctx.current()) return;
  if (v === null) {
    replaceChildren(
      main,
      h('h1', { tabindex: '-1' }, vendorId),
      notice('info', 'No event names this vendor.'),
    );
    return;
  }
  const name = v.name;
  // Its findings' details name it by the name its page shows.
  const ownName = (id: string): string | undefined => (id === v.vendorId ? name : undefined);
  replaceChildren(main, ...header(v));

  const chartBody = slot();
  const findingsBody = slot('vendor-findings');
  const pager = new CursorPager();
  let code: FindingCode | undefined;
  const codeSelect = h(
    'select',
    {
      id: 'code-filter',
      on: {
        change: () => {
          code = isFindingCode(codeSelect.value) ? codeSelect.value : undefined;
          pager.reset();
          showFindings();
        },
      },
    },
    h('option', { value: '' }, 'All codes'),
    ...FINDING_CODES.map((c) => h('option', { value: c }, codeLabel(c))),
  );
  const showFindings = (): void =>
    void fill(
      ctx,
      findingsBody,
      'findings',
      () => findingsPage(ctx.api, { vendorId, code }, pager.after),
      (page) => [
        findingsTable(page, false, undefined, ownName),
        pagerControls(pager, page, 'Findings', showFindings),
      ],
    );

  main.append(
    h(
      'div',
      { class: 'stats-row' },
      stat('Studies received', formatCount(v.studiesReceived)),
      stat('Patients affected', formatCount(v.patientsAffected)),
    ),
    panel('Findings per month', [chartBody], { id: 'vendor-chart' }),
    vendorObligationsPanel(ctx, vendorId),
    panel('Findings', [findingsBody], {
      id: 'findings',
      actions: [h('label', { for: 'code-filter', class: 'inline-label' }, 'Code'), codeSelect],
    }),
    vendorDestinationsPanel(ctx, vendorId),
  );
  void fill(
    ctx,
    chartBody,
    'findings per month',
    () => monthCounts(ctx.api, vendorId),
    (counts) => [
      findingsChart(counts, `Findings naming ${name}, per month`, chartBody.clientWidth),
    ],
  );
  showFindings();
}
