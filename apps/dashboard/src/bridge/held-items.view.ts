// #/pacs : the sends the Orthanc bridges could not record (images that left with no ledger
// entry), what they hold instead of publishing, each with what to do about it, and every
// destination they map (privacy officers and auditors; the API refuses vendors). Held items
// wait for a person: nothing is dropped or guessed meanwhile.
import { fill, slot } from '../components/async-section';
import { CursorPager, pagerControls } from '../components/cursor-pager';
import { legalBasisWords, purposeWords, termInWords } from '../components/disclosure-terms';
import { formatCount, formatTime } from '../components/format';
import { notice } from '../components/notice';
import { panel, stat } from '../components/panel';
import { h, replaceChildren, type Child } from '../dom/dom-builder';
import type { ViewContext } from '../views/view-context';
import type { Connection } from '../api/dashboard-queries';
import {
  bridgeDestinations,
  bridgeState,
  bridgeUnrecordedSendsPage,
  type BridgeStateRow,
  type DestinationRow,
  type HeldItemRow,
  type UnrecordedSendRow,
} from './bridge-queries';
import { destinationKindLabel } from './pacs-channel';
import { unrecordedTable } from './unrecorded-sends';

const lineageHref = (uid: string): string => `#/lineage/${encodeURIComponent(uid)}`;

/** The destinations file entry that releases a held send, with placeholders to fill. */
function mappingSnippet(destination: string): string {
  return JSON.stringify(
    {
      [destination]: {
        vendorId: '<vendor id>',
        purpose: '<PURPOSE>',
        legalBasis: '<LEGAL_BASIS>',
      },
    },
    null,
    2,
  );
}

function whatToDo(item: HeldItemRow): Child[] {
  if (item.kind === 'SEND' && item.destination) {
    return [
      h(
        'p',
        {},
        'Map ',
        h('span', { class: 'mono clip', title: item.destination }, item.destination),
        ' in the bridge’s BRIDGE_DESTINATIONS file: the send is then recorded once, with the time Orthanc completed it.',
      ),
      // Scrolls sideways past its width: the entry is there whole, to copy.
      h(
        'pre',
        { class: 'snippet', title: mappingSnippet(item.destination) },
        mappingSnippet(item.destination),
      ),
    ];
  }
  return [
    h(
      'p',
      {},
      'Fix the study in Orthanc (Patient ID, Study Date) and send it again, or delete it there: a deleted study is released.',
    ),
  ];
}

function heldTable(items: readonly HeldItemRow[]): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', id: 'held-items' },
      h('caption', { class: 'visually-hidden' }, 'Items the Orthanc bridge holds'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Held'),
          h('th', { scope: 'col' }, 'Study'),
          h('th', { scope: 'col' }, 'Why'),
          h('th', { scope: 'col' }, 'What to do'),
        ),
      ),
      h(
        'tbody',
        {},
        ...items.map((item) =>
          h(
            'tr',
            { 'data-kind': item.kind, 'data-destination': item.destination ?? undefined },
            h(
              'td',
              { class: 'nowrap' },
              h(
                'span',
                { class: `badge ${item.kind === 'SEND' ? 'badge-warn' : 'badge-bad'}` },
                item.kind === 'SEND' ? 'Send' : 'Study',
              ),
              h('div', { class: 'small' }, formatTime(item.occurredAt)),
              h('div', { class: 'muted small' }, `seen by bridge ${item.source}`),
            ),
            h(
              'td',
              {},
              h(
                'a',
                { href: lineageHref(item.studyInstanceUid), class: 'mono small' },
                item.studyInstanceUid,
              ),
              item.destination
                ? h(
                    'div',
                    { class: 'small' },
                    `to ${item.destinationKind ? destinationKindLabel(item.destinationKind) : 'destination'} `,
                    h('strong', { class: 'mono clip', title: item.destination }, item.destination),
                  )
                : null,
            ),
            h(
              'td',
              { class: 'why' },
              h('div', { class: 'clamp reason', title: item.reason }, item.reason),
            ),
            h('td', { class: 'todo' }, ...whatToDo(item)),
          ),
        ),
      ),
    ),
  );
}

export function destinationsTable(
  rows: readonly DestinationRow[],
  showVendor: boolean,
): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', id: 'pacs-destinations' },
      h('caption', { class: 'visually-hidden' }, 'Destinations the Orthanc bridge maps to vendors'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Destination in Orthanc'),
          showVendor ? h('th', { scope: 'col' }, 'Vendor') : null,
          h('th', { scope: 'col' }, 'Purpose'),
          h('th', { scope: 'col' }, 'Legal basis'),
          h('th', { scope: 'col' }, 'Agreement'),
          h('th', { scope: 'col' }, 'Bridge'),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((d) =>
          h(
            'tr',
            { 'data-destination': d.name },
            h(
              'th',
              { scope: 'row' },
              h('span', { class: 'mono clip', title: d.name }, d.name),
              h(
                'div',
                { class: 'muted small' },
                d.orthancKind ? destinationKindLabel(d.orthancKind) : 'not known to Orthanc (yet)',
              ),
            ),
            showVendor
              ? h(
                  'td',
                  {},
                  h('a', { href: `#/vendors/${encodeURIComponent(d.vendorId)}` }, d.vendorId),
                )
              : null,
            h('td', {}, termInWords(d.purpose, purposeWords)),
            h('td', {}, termInWords(d.legalBasis, legalBasisWords)),
            h('td', { class: d.agreementId ? 'mono' : 'muted' }, d.agreementId ?? 'none'),
            h('td', { class: 'muted small' }, d.source),
          ),
        ),
      ),
    ),
  );
}

function stateBody(state: BridgeStateRow): (Node | null)[] {
  const total = state.heldSends + state.heldStudies;
  return [
    h(
      'div',
      { class: 'stats-row' },
      stat(
        'Sends held',
        formatCount(state.heldSends),
        'to destinations not in BRIDGE_DESTINATIONS',
      ),
      stat('Studies held', formatCount(state.heldStudies), 'without Patient ID or Study Date'),
    ),
    total === 0
      ? notice('success', 'Nothing is held: every send and study in Orthanc is recorded.')
      : heldTable(state.held),
    state.held.length < total
      ? h('p', { class: 'muted' }, `The oldest ${state.held.length} of ${total} are listed.`)
      : null,
  ];
}

function unrecordedBody(
  page: Connection<UnrecordedSendRow>,
  pager: CursorPager,
  turn: () => void,
): (Node | null)[] {
  return [
    h(
      'div',
      { class: 'stats-row' },
      stat(
        'Sends not recorded',
        formatCount(page.totalCount),
        'sends whose images left with no disclosure in the ledger',
      ),
    ),
    page.totalCount === 0 && pager.index === 0
      ? notice('success', 'Every send the bridge saw is recorded.')
      : unrecordedTable(page.edges.map((e) => e.node)),
    page.totalCount === 0 && pager.index === 0
      ? null
      : pagerControls(pager, page, 'Sends not recorded', turn),
  ];
}

export function renderHeldItems(main: HTMLElement, ctx: ViewContext): void {
  const unrecordedSlot = slot('pacs-unrecorded');
  const heldBody = slot('pacs-held');
  const destinationsBody = slot('pacs-destinations-body');
  replaceChildren(
    main,
    h('h1', { tabindex: '-1' }, 'PACS bridge'),
    h(
      'p',
      { class: 'lead' },
      'What the Orthanc bridge records from the hospital PACS, what it could not record, and what it holds until someone acts.',
    ),
    // First: these images are gone and nothing in the ledger says so.
    panel('Sent but not recorded', [unrecordedSlot], { id: 'pacs-unrecorded-panel', wide: true }),
    panel('Held, to act on', [heldBody], { id: 'pacs-held-panel', wide: true }),
    panel('Destinations mapped to vendors', [destinationsBody], {
      id: 'pacs-destinations-panel',
      wide: true,
    }),
  );
  // All of them, newest first, a page at a time (bridgeState lists the newest 500 only).
  const pager = new CursorPager();
  const loadUnrecorded = (): void => {
    void fill(
      ctx,
      unrecordedSlot,
      'the sends not recorded',
      () => bridgeUnrecordedSendsPage(ctx.api, pager.after),
      (page) => unrecordedBody(page, pager, loadUnrecorded),
    );
  };
  loadUnrecorded();
  const state = bridgeState(ctx.api);
  void fill(ctx, heldBody, 'what the bridge holds', () => state, stateBody);
  void fill(
    ctx,
    destinationsBody,
    'the bridge destinations',
    () => bridgeDestinations(ctx.api, null),
    (rows) => [
      rows.length === 0
        ? h('p', { class: 'empty' }, 'No Orthanc bridge has reported its destinations yet.')
        : destinationsTable(rows, true),
    ],
  );
}

/**
 * The overview's call to act: shown only when a bridge holds something or could not record
 * a send, and only to those who may read it (nothing at all when the request fails or there
 * is nothing to act on).
 */
export function heldItemsNotice(ctx: ViewContext): HTMLElement {
  const into = h('div', { id: 'pacs-held-notice' });
  if (!ctx.abilities.allVendors) return into;
  void bridgeState(ctx.api).then(
    (state) => {
      const unrecorded = state.unrecordedSends;
      if (!ctx.current() || state.heldSends + state.heldStudies + unrecorded === 0) return;
      const parts = [
        state.heldSends > 0
          ? `${formatCount(state.heldSends)} send${state.heldSends === 1 ? '' : 's'}`
          : null,
        state.heldStudies > 0
          ? `${formatCount(state.heldStudies)} stud${state.heldStudies === 1 ? 'y' : 'ies'}`
          : null,
      ].filter((p): p is string => p !== null);
      replaceChildren(
        into,
        notice(
          'error',
          unrecorded > 0
            ? h(
                'strong',
                {},
                `The PACS bridge could not record ${formatCount(unrecorded)} send${unrecorded === 1 ? '' : 's'}: images left with no disclosure in the ledger. `,
              )
            : null,
          parts.length > 0
            ? h('strong', {}, `The PACS bridge holds ${parts.join(' and ')}. `)
            : null,
          parts.length > 0 ? 'Held items are not in the ledger until someone acts: ' : null,
          h('a', { href: '#/pacs' }, 'see what to do'),
          '.',
        ),
      );
    },
    () => undefined,
  );
  return into;
}
