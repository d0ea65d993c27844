// How the rights pages show a deletion status, group obligations by holder, and fetch the
// take-home files (POST /reports/..., privacy officers only).
import { saveBlob } from '../components/file-download';
import { notice } from '../components/notice';
import { formatCount } from '../components/format';
import { h, replaceChildren } from '../dom/dom-builder';
import type { ViewContext } from '../views/view-context';
import type { DeletionStatus, ObligationRow } from './patient-rights.queries';

const STATUS_LOOK: Record<DeletionStatus, { label: string; badge: string }> = {
  OVERDUE: { label: 'Overdue', badge: 'badge-bad' },
  OPEN: { label: 'Open', badge: 'badge-warn' },
  FULFILLED: { label: 'Fulfilled', badge: 'badge-ok' },
  EXEMPT: { label: 'Exempt', badge: 'badge-muted' },
};

/** Worst first: what needs chasing comes first. */
export const STATUS_ORDER: readonly DeletionStatus[] = ['OVERDUE', 'OPEN', 'FULFILLED', 'EXEMPT'];

export const statusLabel = (status: DeletionStatus): string => STATUS_LOOK[status].label;

export function statusBadge(status: DeletionStatus): HTMLElement {
  const look = STATUS_LOOK[status];
  return h('span', { class: `badge ${look.badge}`, 'data-status': status }, look.label);
}

export interface HolderObligations {
  vendorId: string;
  name: string;
  obligations: ObligationRow[];
  counts: Map<DeletionStatus, number>;
}

/** Obligations grouped by holder, holders with something overdue first, then by name. */
export function byHolder(obligations: readonly ObligationRow[]): HolderObligations[] {
  const holders = new Map<string, HolderObligations>();
  for (const o of obligations) {
    let holder = holders.get(o.vendor.vendorId);
    if (holder === undefined) {
      holder = {
        vendorId: o.vendor.vendorId,
        name: o.vendor.name,
        obligations: [],
        counts: new Map(),
      };
      holders.set(o.vendor.vendorId, holder);
    }
    holder.obligations.push(o);
    holder.counts.set(o.status, (holder.counts.get(o.status) ?? 0) + 1);
  }
  const worst = (x: HolderObligations): number =>
    Math.min(...[...x.counts.keys()].map((s) => STATUS_ORDER.indexOf(s)));
  return [...holders.values()].sort(
    (a, b) => worst(a) - worst(b) || a.name.localeCompare(b.name, 'en'),
  );
}

/** "2 overdue · 1 exempt", worst first. */
export function countsText(counts: ReadonlyMap<DeletionStatus, number>): string {
  return STATUS_ORDER.filter((s) => counts.has(s))
    .map((s) => `${formatCount(counts.get(s) ?? 0)} ${statusLabel(s).toLowerCase()}`)
    .join(' · ');
}

/**
 * A button that fetches a take-home file by POST (ids in the body) and saves it; the outcome
 * is said in `status`.
 */
export function downloadButton(
  ctx: ViewContext,
  options: {
    id: string;
    label: string;
    ariaLabel?: string;
    path: string;
    /** Read at each click, so it follows the page's filters. */
    body: () => object;
    filename: string;
    status: HTMLElement;
  },
): HTMLButtonElement {
  const button = h(
    'button',
    {
      type: 'button',
      id: options.id,
      class: 'button secondary small',
      'aria-label': options.ariaLabel,
      on: {
        click: () => {
          button.disabled = true;
          replaceChildren(options.status, notice('info', `Preparing ${options.filename}…`));
          ctx.api.download(options.path, options.body()).then(
            (blob) => {
              saveBlob(blob, options.filename);
              button.disabled = false;
              if (ctx.current()) {
                replaceChildren(
                  options.status,
                  notice('success', `${options.filename} downloaded.`),
                );
              }
            },
            (error: unknown) => {
              button.disabled = false;
              if (!ctx.current()) return;
              const message = error instanceof Error ? error.message : String(error);
              replaceChildren(
                options.status,
                notice('error', h('strong', {}, 'Could not download. '), message),
              );
            },
          );
        },
      },
    },
    options.label,
  );
  return button;
}

/** A file name part that is safe whatever an id holds. */
export const fileSafe = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
