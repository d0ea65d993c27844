// #/ : findings over time, the ledger card and the vendors table (one page at a time).
import {
  monthCounts,
  vendorCodeCounts,
  vendorsPage,
  type Connection,
  type VendorCodeCount,
  type VendorRow,
} from '../api/dashboard-queries';
import { findingsChart } from '../charts/findings-chart';
import { codeChip } from '../components/code-chip';
import { CursorPager, pagerControls } from '../components/cursor-pager';
import { formatCount, vendorRoleLabel } from '../components/format';
import { notice } from '../components/notice';
import { fill } from '../components/async-section';
import { panel } from '../components/panel';
import { h, replaceChildren } from '../dom/dom-builder';
import { heldItemsNotice } from '../bridge/held-items.view';
import { ingestGapsNotice } from '../ledger/ingest-gaps.view';
import { ledgerCard } from './ledger.view';
import type { ViewContext } from './view-context';

export function vendorHref(vendorId: string): string {
  return `#/vendors/${encodeURIComponent(vendorId)}`;
}

function vendorsTable(
  page: Connection<VendorRow>,
  counts: readonly VendorCodeCount[],
): HTMLTableElement {
  const byVendor = new Map<string, VendorCodeCount[]>();
  for (const c of counts)
    (byVendor.get(c.vendorId) ?? byVendor.set(c.vendorId, []).get(c.vendorId))?.push(c);
  return h(
    'table',
    { class: 'table', id: 'vendors-table' },
    h(
      'caption',
      { class: 'visually-hidden' },
      'Vendors with what they received and their findings',
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Vendor'),
        h('th', { scope: 'col' }, 'Role'),
        h('th', { scope: 'col', class: 'num' }, 'Studies received'),
        h('th', { scope: 'col', class: 'num' }, 'Patients affected'),
        h('th', { scope: 'col', class: 'num' }, 'Findings'),
        h('th', { scope: 'col' }, 'Findings by code'),
      ),
    ),
    h(
      'tbody',
      {},
      ...page.edges.map(({ node: v }) => {
        const codes = (byVendor.get(v.vendorId) ?? []).sort((a, b) => b.count - a.count);
        const total = codes.reduce((sum, c) => sum + c.count, 0);
        return h(
          'tr',
          { 'data-vendor': v.vendorId },
          h(
            'th',
            { scope: 'row' },
            h(
              'a',
              { href: vendorHref(v.vendorId), class: 'vendor-link clip', title: v.name },
              v.name,
            ),
            h('div', { class: 'muted mono small' }, v.vendorId),
          ),
          h(
            'td',
            {},
            h('span', { class: `role role-${v.role.toLowerCase()}` }, vendorRoleLabel(v.role)),
          ),
          h('td', { class: 'num' }, formatCount(v.studiesReceived)),
          h('td', { class: 'num' }, formatCount(v.patientsAffected)),
          h('td', { class: 'num' }, total > 0 ? h('strong', {}, formatCount(total)) : '0'),
          h(
            'td',
            { class: 'chips' },
            ...(codes.length > 0
              ? codes.map((c) => codeChip(c.code, c.count))
              : [h('span', { class: 'muted' }, 'none')]),
          ),
        );
      }),
    ),
  );
}

export function renderOverview(main: HTMLElement, ctx: ViewContext): void {
  const chartBody = h('div', {});
  const vendorsBody = h('div', {});
  const scoped = ctx.abilities.vendorId;
  replaceChildren(
    main,
    h('h1', { tabindex: '-1' }, 'Overview'),
    scoped
      ? notice(
          'info',
          h('strong', {}, `Vendor view (${scoped}). `),
          'You see only the data that concerns your organisation. Patient lookup is for privacy officers and auditors.',
        )
      : null,
    heldItemsNotice(ctx),
    ingestGapsNotice(ctx),
    h(
      'div',
      { class: 'grid overview' },
      panel('Findings per month', [chartBody], { id: 'findings-chart' }),
      ledgerCard(ctx),
    ),
    panel('Vendors', [vendorsBody], { id: 'vendors', wide: true }),
  );
  void fill(
    ctx,
    chartBody,
    'findings per month',
    () => monthCounts(ctx.api, null),
    (counts) => [
      findingsChart(
        counts,
        scoped ? `Findings naming ${scoped}, per month` : 'All findings per month',
        chartBody.clientWidth,
      ),
    ],
  );

  const pager = new CursorPager();
  const showVendors = (): void =>
    void fill(
      ctx,
      vendorsBody,
      'vendors',
      async () => {
        const page = await vendorsPage(ctx.api, pager.after);
        const counts = await vendorCodeCounts(
          ctx.api,
          page.edges.map((e) => e.node.vendorId),
        );
        return { page, counts };
      },
      ({ page, counts }) => [
        page.edges.length === 0
          ? h('p', { class: 'empty' }, 'No vendors registered yet.')
          : h('div', { class: 'table-scroll' }, vendorsTable(page, counts)),
        pagerControls(pager, page, 'Vendors', showVendors),
      ],
    );
  showVendors();
}
