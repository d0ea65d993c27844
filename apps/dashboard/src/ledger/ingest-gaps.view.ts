// The ledger page's "messages lost to the ledger" and the overview's call to act: what Kafka
// no longer held when the ingest came to read it, kept by the ingest for good (ingest_gaps),
// each with what happened and what to do. Privacy officers and auditors; the API refuses
// vendors, so a vendor's page neither asks nor shows anything of it.
import { fill, slot } from '../components/async-section';
import { formatCount, formatTime } from '../components/format';
import { notice } from '../components/notice';
import { panel, stat } from '../components/panel';
import { h, replaceChildren } from '../dom/dom-builder';
import type { ViewContext } from '../views/view-context';
import { explainGap, lossSummary } from './ingest-gap-words';
import { ingestGaps, type IngestGapPage, type IngestGapRow } from './ingest-gaps.queries';

/** Rows the ledger page lists (newest first); losses are rare, a page is plenty. */
const LISTED = 100;

function gapsTable(gaps: readonly IngestGapRow[]): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', id: 'ingest-gaps' },
      h(
        'caption',
        { class: 'visually-hidden' },
        'What Kafka no longer held when the ingest came to read it',
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Noticed'),
          h('th', { scope: 'col' }, 'Where'),
          h('th', { scope: 'col' }, 'What happened'),
          h('th', { scope: 'col' }, 'What to do'),
        ),
      ),
      h(
        'tbody',
        {},
        ...gaps.map((gap) => {
          const words = explainGap(gap);
          const lost = gap.kind === 'MESSAGES_LOST';
          return h(
            'tr',
            { 'data-kind': gap.kind, 'data-partition': String(gap.partition) },
            h(
              'td',
              { class: 'nowrap' },
              formatTime(gap.noticedAt),
              h(
                'div',
                {},
                h(
                  'span',
                  { class: `badge ${lost ? 'badge-bad' : 'badge-warn'}` },
                  lost ? 'Lost' : 'Read again',
                ),
              ),
            ),
            h(
              'td',
              {},
              h('div', { class: 'mono small' }, gap.topic),
              h('div', {}, words.where),
              h('div', { class: 'muted small' }, `consumer group ${gap.consumerGroup}`),
            ),
            h('td', { class: 'why' }, words.happened),
            h('td', { class: 'todo' }, words.todo),
          );
        }),
      ),
    ),
  );
}

function gapsBody(all: IngestGapPage, losses: IngestGapPage): (Node | null)[] {
  const lostNodes = losses.edges.map((e) => e.node);
  const messagesLost = lostNodes.reduce((sum, gap) => sum + gap.count, 0);
  return [
    h(
      'div',
      { class: 'stats-row' },
      stat(
        'Messages lost',
        formatCount(messagesLost),
        losses.pageInfo.hasNextPage ? 'at least: the newest losses counted' : 'not in the ledger',
      ),
      stat('Losses', formatCount(losses.totalCount), 'times Kafka deleted messages unread'),
      stat(
        'Partitions read again',
        formatCount(all.totalCount - losses.totalCount),
        'topic created again; nothing Kafka held was lost',
      ),
    ),
    all.totalCount === 0
      ? notice(
          'success',
          'Kafka held every message until the ingest read it: the ledger has no gap.',
        )
      : gapsTable(all.edges.map((e) => e.node)),
    all.edges.length < all.totalCount
      ? h(
          'p',
          { class: 'muted' },
          `The newest ${all.edges.length} of ${formatCount(all.totalCount)} are listed.`,
        )
      : null,
  ];
}

/** The ledger page's panel; null for a vendor (the API would refuse it). */
export function ingestGapsPanel(ctx: ViewContext): HTMLElement | null {
  if (!ctx.abilities.allVendors) return null;
  const body = slot('ingest-gaps-body');
  const section = panel(
    'Messages lost to the ledger',
    [
      h(
        'p',
        { class: 'muted' },
        'What Kafka no longer held when the ingest came to read it. Each is kept for good, once, by the ingest that noticed it.',
      ),
      body,
    ],
    { id: 'ingest-gaps-panel', wide: true },
  );
  void fill(
    ctx,
    body,
    'the messages lost to the ledger',
    () =>
      Promise.all([
        ingestGaps(ctx.api, { first: LISTED }),
        ingestGaps(ctx.api, { kind: 'MESSAGES_LOST', first: LISTED }),
      ]),
    ([all, losses]) => gapsBody(all, losses),
  );
  return section;
}

/**
 * The overview's call to act: shown only when messages were lost to the ledger, and only to
 * those who may read it (nothing at all when the request fails or nothing was lost).
 */
export function ingestGapsNotice(ctx: ViewContext): HTMLElement {
  const into = h('div', { id: 'ingest-gaps-notice' });
  if (!ctx.abilities.allVendors) return into;
  void ingestGaps(ctx.api, { kind: 'MESSAGES_LOST', first: LISTED }).then(
    (losses) => {
      if (!ctx.current() || losses.totalCount === 0) return;
      const lost = losses.edges.map((e) => e.node);
      const one = lost.length === 1 && lost[0].count === 1 && !losses.pageInfo.hasNextPage;
      replaceChildren(
        into,
        notice(
          'error',
          h(
            'strong',
            {},
            `${lossSummary(lost, losses.pageInfo.hasNextPage)} ${one ? 'was' : 'were'} lost to the ledger. `,
          ),
          one
            ? 'Kafka deleted it before the ingest read it, so its event is not in the ledger until the source system re-sends it: '
            : 'Kafka deleted them before the ingest read them, so their events are not in the ledger until the source system re-sends them: ',
          h('a', { href: '#/ledger' }, 'see which, and what to do'),
          '.',
        ),
      );
    },
    () => undefined,
  );
  return into;
}
