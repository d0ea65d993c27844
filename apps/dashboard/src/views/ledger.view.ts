// The ledger's state and whether its signed checkpoint checks out, verified here in the
// browser against the verifier key (not taken on the API's word).
import { ledgerState } from '../api/dashboard-queries';
import { failureNotice, loading } from '../components/notice';
import { formatCount } from '../components/format';
import { panel, stat } from '../components/panel';
import { h, replaceChildren } from '../dom/dom-builder';
import { findingsFreshnessStat } from '../findings/findings-freshness';
import { verifyCheckpoint, type CheckpointVerification } from '../ledger/checkpoint-verifier';
import { ingestGapsPanel } from '../ledger/ingest-gaps.view';
import type { ViewContext } from './view-context';

interface LedgerSnapshot {
  treeSize: number;
  rootHash: string;
  checkpoint: string;
  verifierKey: string;
  verification: CheckpointVerification;
}

async function loadLedger(ctx: ViewContext): Promise<LedgerSnapshot> {
  const { ledger, verifierKey } = await ledgerState(ctx.api);
  const verification = await verifyCheckpoint({ ...ledger, verifierKey });
  return { ...ledger, verifierKey, verification };
}

function verdict(v: CheckpointVerification): HTMLElement {
  return v.verified
    ? h('span', { class: 'badge badge-ok', 'data-verified': 'true' }, '✓ Verified')
    : h('span', { class: 'badge badge-bad', 'data-verified': 'false' }, '✗ Not verified');
}

/** The compact ledger card of the overview. */
export function ledgerCard(ctx: ViewContext): HTMLElement {
  const body = h('div', { class: 'ledger-card' }, loading('the ledger'));
  const card = panel('Ledger', [body], {
    id: 'ledger-card',
    actions: [h('a', { href: '#/ledger', class: 'link' }, 'Details')],
  });
  loadLedger(ctx).then(
    (ledger) => {
      if (!ctx.current()) return;
      replaceChildren(
        body,
        h(
          'div',
          { class: 'stats' },
          stat('Entries', formatCount(ledger.treeSize)),
          stat('Checkpoint', verdict(ledger.verification), 'signature checked in this browser'),
          findingsFreshnessStat(ctx),
        ),
        h(
          'dl',
          { class: 'facts compact' },
          h('dt', {}, 'Root hash'),
          h('dd', {}, h('code', { class: 'hash' }, ledger.rootHash)),
          h('dt', {}, 'Origin'),
          h('dd', {}, ledger.verification.origin ?? '—'),
          h('dt', {}, 'Signed by'),
          h(
            'dd',
            {},
            ledger.verification.keyName
              ? `${ledger.verification.keyName} (key ${ledger.verification.keyId ?? '?'})`
              : '—',
          ),
        ),
      );
    },
    (error: unknown) => {
      if (ctx.current()) replaceChildren(body, failureNotice(error, 'the ledger state'));
    },
  );
  return card;
}

/** #/ledger: size, root, the checkpoint text and each verification step. */
export async function renderLedger(main: HTMLElement, ctx: ViewContext): Promise<void> {
  replaceChildren(main, h('h1', { tabindex: '-1' }, 'Ledger'), loading('the ledger'));
  let ledger: LedgerSnapshot;
  try {
    ledger = await loadLedger(ctx);
  } catch (error) {
    if (ctx.current())
      replaceChildren(
        main,
        h('h1', { tabindex: '-1' }, 'Ledger'),
        failureNotice(error, 'the ledger state'),
      );
    return;
  }
  if (!ctx.current()) return;
  const v = ledger.verification;
  ctx.announce(v.verified ? 'Checkpoint verified' : 'Checkpoint not verified');
  replaceChildren(
    main,
    h('h1', { tabindex: '-1' }, 'Ledger'),
    h(
      'p',
      { class: 'lead' },
      'Every event is an entry of an append-only Merkle tree log (RFC 9162). The API signs a checkpoint ' +
        'of the current tree; this page checks that signature with the published verifier key.',
    ),
    h(
      'div',
      { class: 'grid two' },
      panel('State', [
        h(
          'div',
          { class: 'stats' },
          stat('Tree size', formatCount(ledger.treeSize), 'entries'),
          stat('Checkpoint', verdict(v), 'checked in this browser'),
          findingsFreshnessStat(ctx),
        ),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'Root hash'),
          h('dd', {}, h('code', { class: 'hash', id: 'root-hash' }, ledger.rootHash)),
          h('dt', {}, 'Origin'),
          h('dd', {}, v.origin ?? '—'),
          h('dt', {}, 'Verifier key'),
          h('dd', {}, h('code', { class: 'hash' }, ledger.verifierKey)),
        ),
      ]),
      panel('Verification', [
        h(
          'ul',
          { class: 'checks', id: 'ledger-checks' },
          ...v.checks.map((c) =>
            h(
              'li',
              { class: c.ok ? 'ok' : 'bad' },
              h('span', { class: 'check-mark', 'aria-hidden': 'true' }, c.ok ? '✓' : '✗'),
              h(
                'span',
                {},
                c.label,
                c.detail ? h('span', { class: 'muted' }, ` — ${c.detail}`) : null,
              ),
            ),
          ),
        ),
      ]),
    ),
    ingestGapsPanel(ctx),
    panel('Latest checkpoint (C2SP signed note)', [
      h('pre', { class: 'checkpoint', id: 'checkpoint-text' }, ledger.checkpoint),
    ]),
  );
}
