// #/quarantine : messages the ingest refused, with why, where they sat in Kafka and their
// size and hash (privacy officers and auditors; the API refuses vendors). A row opens the
// message as the API gives it to this role: as received, redacted JSON, or withheld. Below,
// the messages dropped as re-used event ids (attempts to rewrite a recorded event).
import { fill, slot } from '../components/async-section';
import { CursorPager, pagerControls } from '../components/cursor-pager';
import { formatCount, formatTime } from '../components/format';
import { notice } from '../components/notice';
import { panel } from '../components/panel';
import { h, replaceChildren, type Child } from '../dom/dom-builder';
import type { Connection } from '../api/dashboard-queries';
import type { ViewContext } from '../views/view-context';
import {
  duplicateConflictsPage,
  quarantinePage,
  type DuplicateConflictRow,
  type QuarantineRow,
} from './quarantine-queries';
import { rawDisplay } from './raw-message-text';

const SHA_PREFIX = 12;

const coordinates = (row: { topic: string; partition: number; offset: string }): string =>
  `${row.topic} / ${row.partition} / ${row.offset}`;

const FORM_LABEL: Record<string, string> = {
  AS_RECEIVED: 'As received',
  REDACTED_JSON: 'Redacted JSON',
  WITHHELD: 'Withheld',
};

function rawBody(row: QuarantineRow): Child[] {
  if (row.rawForm === 'WITHHELD') {
    return [
      h(
        'p',
        { class: 'muted', id: 'quarantine-raw-withheld' },
        'Not shown: the message does not parse as JSON, so its patient values cannot be redacted. Its size and SHA-256 identify it.',
      ),
    ];
  }
  const shown = rawDisplay(row.rawBase64);
  if (shown.kind === 'none') return [h('p', { class: 'muted' }, 'The message is empty.')];
  return [
    row.rawForm === 'REDACTED_JSON'
      ? h(
          'p',
          { class: 'muted small' },
          `Parsed and written back as compact UTF-8 JSON with every patient value replaced by "[redacted]"${row.rawEncoding ? ` (received as ${row.rawEncoding})` : ''}: not the bytes received, whose SHA-256 is above.`,
        )
      : null,
    shown.kind === 'hex'
      ? h('p', { class: 'muted small' }, 'Not UTF-8 text: every byte in hexadecimal.')
      : null,
    h('pre', { class: 'snippet', id: 'quarantine-raw', 'data-display': shown.kind }, shown.text),
  ];
}

function details(row: QuarantineRow, close: () => void): HTMLElement {
  const field = (term: string, value: Child, mono = false): Child[] => [
    h('dt', {}, term),
    h('dd', { class: mono ? 'mono' : undefined }, value),
  ];
  const shown = panel(
    `Message at ${coordinates(row)}`,
    [
      h(
        'dl',
        { class: 'facts' },
        ...field('Received', formatTime(row.receivedAt)),
        ...field('Topic', row.topic, true),
        ...field('Partition', String(row.partition), true),
        ...field('Offset', row.offset, true),
        ...field('Reason', row.reason),
        ...field('Size', `${formatCount(row.byteLength)} bytes`),
        ...field('SHA-256', row.sha256, true),
        ...field('Shown', FORM_LABEL[row.rawForm] ?? row.rawForm),
      ),
      ...rawBody(row),
    ],
    {
      id: 'quarantine-details',
      wide: true,
      actions: [
        h(
          'button',
          { type: 'button', class: 'button secondary small', on: { click: close } },
          'Close',
        ),
      ],
    },
  );
  shown.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  });
  return shown;
}

function table(
  page: Connection<QuarantineRow>,
  open: (row: QuarantineRow, opener: HTMLElement) => void,
): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', id: 'quarantine-table' },
      h('caption', { class: 'visually-hidden' }, 'Messages the ingest refused, oldest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Received'),
          h('th', { scope: 'col' }, 'Topic / partition / offset'),
          h('th', { scope: 'col' }, 'Reason'),
          h('th', { scope: 'col', class: 'num' }, 'Size'),
          h('th', { scope: 'col' }, 'SHA-256'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Details')),
        ),
      ),
      h(
        'tbody',
        {},
        ...page.edges.map(({ node }) =>
          h(
            'tr',
            {
              'data-topic': node.topic,
              'data-partition': node.partition,
              'data-offset': node.offset,
            },
            h('td', { class: 'nowrap' }, formatTime(node.receivedAt)),
            h('td', { class: 'mono small' }, coordinates(node)),
            h('td', { class: 'reason' }, node.reason),
            h('td', { class: 'num nowrap' }, `${formatCount(node.byteLength)} B`),
            h('td', { class: 'mono small', title: node.sha256 }, node.sha256.slice(0, SHA_PREFIX)),
            h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'button secondary small',
                  'aria-label': `Details of the message at ${coordinates(node)}`,
                  on: { click: (event) => open(node, event.currentTarget as HTMLElement) },
                },
                'Details',
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function conflictsTable(page: Connection<DuplicateConflictRow>): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', id: 'conflicts-table' },
      h(
        'caption',
        { class: 'visually-hidden' },
        'Messages dropped because their event id was recorded with other content, oldest first',
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Refused'),
          h('th', { scope: 'col' }, 'Event (source, id)'),
          h('th', { scope: 'col' }, 'Type and time it claimed'),
          h('th', { scope: 'col' }, 'Entry kept'),
          h('th', { scope: 'col' }, 'Topic / partition / offset'),
          h('th', { scope: 'col' }, 'SHA-256 refused'),
        ),
      ),
      h(
        'tbody',
        {},
        ...page.edges.map(({ node }) =>
          h(
            'tr',
            { 'data-offset': node.offset },
            h('td', { class: 'nowrap' }, formatTime(node.detectedAt)),
            h(
              'td',
              { class: 'mono small' },
              h('div', { class: 'clamp', title: node.source }, node.source),
              h('div', { class: 'clamp', title: node.eventId }, node.eventId),
            ),
            h(
              'td',
              { class: 'small' },
              h('div', {}, node.eventType),
              h('div', { class: 'mono wrap-anywhere' }, node.eventTime),
            ),
            h(
              'td',
              { class: 'mono small' },
              node.recordedSequence === null
                ? 'none (the copy kept was refused too)'
                : `sequence ${node.recordedSequence}`,
            ),
            h('td', { class: 'mono small' }, coordinates(node)),
            h(
              'td',
              { class: 'mono small', title: node.payloadDigest },
              node.payloadDigest.slice(0, SHA_PREFIX),
            ),
          ),
        ),
      ),
    ),
  );
}

export function renderQuarantine(main: HTMLElement, ctx: ViewContext): void {
  const pager = new CursorPager();
  const body = slot('quarantine-body');
  const detailSlot = h('div', { id: 'quarantine-details-slot' });
  const conflictsPager = new CursorPager();
  const conflictsBody = slot('conflicts-body');
  const loadConflicts = (): void => {
    void fill(
      ctx,
      conflictsBody,
      're-used event ids',
      () => duplicateConflictsPage(ctx.api, conflictsPager.after),
      (page) => [
        page.edges.length === 0 && conflictsPager.index === 0
          ? notice(
              'success',
              'No event id was re-used with other content: no recorded event was rewritten.',
            )
          : conflictsTable(page),
        pagerControls(conflictsPager, page, 'Re-used event ids', loadConflicts),
      ],
    );
  };
  const load = (): void => {
    replaceChildren(detailSlot);
    void fill(
      ctx,
      body,
      'the quarantine',
      () => quarantinePage(ctx.api, pager.after),
      (page) => [
        page.edges.length === 0 && pager.index === 0
          ? notice('success', 'Nothing is quarantined: the ingest has accepted every message.')
          : table(page, (row, opener) => {
              // Closed (Close or Escape), the details hand focus back to the button that
              // opened them, so a keyboard user goes on from where they were.
              const close = (): void => {
                replaceChildren(detailSlot);
                if (opener.isConnected) opener.focus();
              };
              replaceChildren(detailSlot, details(row, close));
              // Focus goes to the details' heading: a screen reader reads what opened, and
              // Tab goes on to Close and the message.
              const heading = detailSlot.querySelector<HTMLElement>('h2');
              heading?.setAttribute('tabindex', '-1');
              heading?.focus({ preventScroll: true });
              heading?.scrollIntoView({ block: 'nearest' });
              ctx.announce(`Details of the message at ${coordinates(row)}`);
            }),
        pagerControls(pager, page, 'Quarantine', load),
      ],
    );
  };
  replaceChildren(
    main,
    h('h1', { tabindex: '-1' }, 'Quarantine'),
    h(
      'p',
      { class: 'lead' },
      'Messages the ingest refused, oldest first: each kept with its reason and where it sat in Kafka, never dropped. The bytes are shown as the API gives them to your role.',
    ),
    panel('Refused messages', [body], { id: 'quarantine-panel', wide: true }),
    detailSlot,
    panel(
      'Re-used event ids',
      [
        h(
          'p',
          { class: 'muted small' },
          'Messages dropped because their event (source, id) was already recorded with other content: attempts to rewrite a recorded event. The entry recorded stays; of the refused copy only its SHA-256 is kept.',
        ),
        conflictsBody,
      ],
      { id: 'conflicts-panel', wide: true },
    ),
  );
  load();
  loadConflicts();
}
