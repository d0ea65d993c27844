// #/breaches and #/breaches/<id>: breach reports turned into notification duties (CONTRACT
// v1.1 section 3.1): what the breached vendor held in the exposure window, the three HIPAA
// deadlines with the rule behind each, the affected studies by patient, and for privacy
// officers the notification worklist (CSV) and one-page summary (PDF).
import type { Connection } from '../api/dashboard-queries';
import { fill, slot } from '../components/async-section';
import { CursorPager, pagerControls } from '../components/cursor-pager';
import { formatCount, formatDay, formatTime } from '../components/format';
import { failureNotice, loading, notice } from '../components/notice';
import { panel, stat } from '../components/panel';
import { h, replaceChildren } from '../dom/dom-builder';
import type { ViewContext } from '../views/view-context';
import { downloadButton, fileSafe } from './deletion-status';
import {
  breachDetail,
  breachesPage,
  type BreachAffectedRow,
  type BreachDetail,
  type BreachRow,
} from './patient-rights.queries';

export const breachHref = (breachId: string): string =>
  `#/breaches/${encodeURIComponent(breachId)}`;

const yesNo = (value: boolean, yes: string, no: string): HTMLElement =>
  h('span', { class: `badge ${value ? 'badge-bad' : 'badge-muted'}` }, value ? yes : no);

function breachesTable(page: Connection<BreachRow>): HTMLElement {
  if (page.edges.length === 0) return h('p', { class: 'empty' }, 'No breach reports.');
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table breaches-table' },
      h('caption', { class: 'visually-hidden' }, 'Breach reports'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Breach'),
          h('th', { scope: 'col' }, 'Vendor'),
          h('th', { scope: 'col' }, 'Discovered'),
          h('th', { scope: 'col', class: 'num' }, 'Studies'),
          h('th', { scope: 'col', class: 'num' }, 'Patients to notify'),
          h('th', { scope: 'col' }, 'Notify individuals by'),
          h('th', { scope: 'col' }, 'Notify HHS by'),
          h('th', { scope: 'col' }, 'Media'),
        ),
      ),
      h(
        'tbody',
        {},
        ...page.edges.map(({ node: b }) =>
          h(
            'tr',
            { 'data-breach': b.breachId },
            h(
              'th',
              { scope: 'row' },
              h('a', { href: breachHref(b.breachId), class: 'mono wrap-anywhere' }, b.breachId),
            ),
            h('td', {}, h('span', { class: 'clip', title: b.vendor.name }, b.vendor.name)),
            h('td', { class: 'nowrap' }, formatDay(b.discoveredAt)),
            h('td', { class: 'num' }, formatCount(b.studiesAffected)),
            h('td', { class: 'num' }, formatCount(b.patientsToNotify)),
            h('td', { class: 'nowrap' }, formatDay(b.individualNoticeDeadline)),
            h('td', { class: 'nowrap' }, formatDay(b.hhsNoticeDeadline)),
            h('td', {}, yesNo(b.mediaNoticeMayBeRequired, 'May be required', 'No')),
          ),
        ),
      ),
    ),
  );
}

export function renderBreaches(main: HTMLElement, ctx: ViewContext): void {
  const body = slot('breaches-body');
  const pager = new CursorPager();
  const show = (): void =>
    void fill(
      ctx,
      body,
      'breach reports',
      () => breachesPage(ctx.api, pager.after),
      (page) => [breachesTable(page), pagerControls(pager, page, 'Breach reports', show)],
    );
  replaceChildren(
    main,
    h('h1', { tabindex: '-1' }, 'Breaches'),
    h(
      'p',
      { class: 'lead' },
      ctx.abilities.vendorId === undefined
        ? 'Breaches reported by vendors: who held what during the exposure window, and who must be told by when.'
        : `Breaches reported of ${ctx.abilities.vendorId}.`,
    ),
    panel('Breach reports', [body], { id: 'breaches', wide: true }),
  );
  show();
}

/** The three notices with the rule behind each (45 CFR 164.404, 164.408, 164.406). */
function deadlinesTable(b: BreachRow): HTMLElement {
  const many = b.patientsToNotify >= 500;
  const rows: [string, string, string, string][] = [
    [
      'individuals',
      'Individuals',
      formatTime(b.individualNoticeDeadline),
      '45 CFR 164.404(b): without unreasonable delay, no later than 60 days after discovery.',
    ],
    [
      'hhs',
      'HHS',
      formatTime(b.hhsNoticeDeadline),
      many
        ? '45 CFR 164.408(b): 500 or more individuals, at the same time as the individual notices.'
        : '45 CFR 164.408(c): fewer than 500 individuals, within 60 days after the end of the calendar year of discovery.',
    ],
    [
      'media',
      'Media',
      b.mediaNoticeMayBeRequired
        ? `May be required: ${formatTime(b.individualNoticeDeadline)}`
        : 'Not required',
      '45 CFR 164.406: more than 500 residents of one State or jurisdiction (residence is not in the ledger: check).',
    ],
  ];
  // Scrolls sideways in its card in a narrow window (the page itself does not).
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table deadlines' },
      h('caption', { class: 'visually-hidden' }, 'Notification deadlines'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Notice'),
          h('th', { scope: 'col' }, 'Deadline'),
          h('th', { scope: 'col' }, 'Rule'),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map(([key, who, when, rule]) =>
          h(
            'tr',
            { 'data-notice': key },
            h('th', { scope: 'row' }, who),
            h('td', { class: 'nowrap deadline' }, when),
            h('td', { class: 'detail' }, rule),
          ),
        ),
      ),
    ),
  );
}

/** Affected studies of one page, grouped by patient (in the order the page gives them). */
function affectedByPatient(page: Connection<BreachAffectedRow>, vendorView: boolean): HTMLElement {
  if (page.edges.length === 0)
    return h('p', { class: 'empty' }, 'Nothing the vendor held was exposed.');
  const groups = new Map<string, BreachAffectedRow[]>();
  for (const { node } of page.edges) {
    const key = node.patientPseudonym ?? '';
    groups.set(key, [...(groups.get(key) ?? []), node]);
  }
  const patientLabel = (pseudonym: string): string =>
    pseudonym !== ''
      ? pseudonym
      : vendorView
        ? 'Patients are not shown to vendors'
        : 'Patient unknown (no registered study)';
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table affected-table' },
      h('caption', { class: 'visually-hidden' }, 'Affected studies by patient'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Study'),
          h('th', { scope: 'col' }, 'Held since'),
          h('th', { scope: 'col' }, 'De-identified'),
          h('th', { scope: 'col' }, 'Notice'),
        ),
      ),
      ...[...groups.entries()].map(([pseudonym, studies]) =>
        h(
          'tbody',
          { class: 'patient-group', 'data-patient': pseudonym },
          h(
            'tr',
            { class: 'group-row' },
            h(
              'th',
              { scope: 'colgroup', colspan: 4 },
              h('span', { class: pseudonym ? 'mono' : 'muted' }, patientLabel(pseudonym)),
              h(
                'span',
                { class: 'muted small' },
                ` · ${formatCount(studies.length)} ${studies.length === 1 ? 'study' : 'studies'}${studies.some((s) => s.notificationRequired) ? ' · to notify' : ' · no notice (de-identified copies only)'}`,
              ),
            ),
          ),
          ...studies.map((s) =>
            h(
              'tr',
              { 'data-study': s.studyInstanceUid },
              h('td', { class: 'mono small' }, s.studyInstanceUid),
              h('td', { class: 'nowrap' }, formatTime(s.receivedAt)),
              h('td', {}, s.deidentified ? 'Properly de-identified' : 'No'),
              h('td', {}, yesNo(s.notificationRequired, 'Required', 'Not required')),
            ),
          ),
        ),
      ),
    ),
  );
}

function header(b: BreachDetail): HTMLElement[] {
  return [
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      h('a', { href: '#/breaches' }, 'Breaches'),
      ' / ',
      h('span', { 'aria-current': 'page', class: 'wrap-anywhere' }, b.breachId),
    ),
    h('h1', { tabindex: '-1', class: 'wrap-anywhere' }, `Breach ${b.breachId}`),
    h(
      'p',
      { class: 'lead' },
      h(
        'a',
        {
          href: `#/vendors/${encodeURIComponent(b.vendor.vendorId)}`,
          class: 'clip',
          title: b.vendor.name,
        },
        b.vendor.name,
      ),
      ` reported a breach discovered ${formatTime(b.discoveredAt)}. Exposure window: ${
        b.exposureFrom === null ? 'from the first receipt' : formatTime(b.exposureFrom)
      } to ${formatTime(b.exposureTo)}.`,
    ),
  ];
}

export async function renderBreach(
  main: HTMLElement,
  ctx: ViewContext,
  breachId: string,
): Promise<void> {
  replaceChildren(
    main,
    h('h1', { tabindex: '-1', class: 'wrap-anywhere' }, `Breach ${breachId}`),
    loading('the breach'),
  );
  const pager = new CursorPager();
  let first: BreachDetail | null;
  try {
    first = await breachDetail(ctx.api, breachId, null);
  } catch (error) {
    if (ctx.current()) {
      replaceChildren(
        main,
        h('h1', { tabindex: '-1', class: 'wrap-anywhere' }, `Breach ${breachId}`),
        failureNotice(error, 'this breach'),
      );
    }
    return;
  }
  if (!ctx.current()) return;
  if (first === null) {
    replaceChildren(
      main,
      h('h1', { tabindex: '-1', class: 'wrap-anywhere' }, `Breach ${breachId}`),
      notice('info', 'No breach report has this id.'),
    );
    return;
  }
  const b = first;
  const vendorView = ctx.abilities.vendorId !== undefined;
  const downloadStatus = h('div', { id: 'breach-download-status', 'aria-live': 'polite' });
  const affectedBody = slot('affected-body');
  const showAffected = (): void =>
    void fill(
      ctx,
      affectedBody,
      'affected studies',
      async () => (pager.index === 0 ? b : await breachDetail(ctx.api, breachId, pager.after)),
      (detail) =>
        detail === null
          ? [notice('info', 'The breach report is gone.')]
          : [
              affectedByPatient(detail.affected, vendorView),
              pagerControls(pager, detail.affected, 'Affected studies', showAffected),
            ],
    );
  const files = ctx.abilities.patientReport
    ? [
        downloadButton(ctx, {
          id: 'breach-worklist-csv',
          label: 'Notification worklist (CSV)',
          path: 'reports/breach',
          body: () => ({ breachId, format: 'csv' }),
          filename: `breach-${fileSafe(breachId)}-worklist.csv`,
          status: downloadStatus,
        }),
        downloadButton(ctx, {
          id: 'breach-summary-pdf',
          label: 'Summary (PDF)',
          path: 'reports/breach',
          body: () => ({ breachId, format: 'pdf' }),
          filename: `breach-${fileSafe(breachId)}-summary.pdf`,
          status: downloadStatus,
        }),
      ]
    : [];
  replaceChildren(
    main,
    ...header(b),
    files.length > 0 ? h('div', { class: 'filters' }, ...files) : null,
    downloadStatus,
    h(
      'div',
      { class: 'stats-row', id: 'breach-counts' },
      stat('Studies affected', formatCount(b.studiesAffected)),
      stat('Patients affected', formatCount(b.patientsAffected)),
      stat(
        'Patients to notify',
        formatCount(b.patientsToNotify),
        'Copies properly de-identified need no notice',
      ),
    ),
    panel('Notification deadlines', [deadlinesTable(b)], { id: 'breach-deadlines', wide: true }),
    panel('Affected studies by patient', [affectedBody], { id: 'breach-affected', wide: true }),
  );
  showAffected();
}
