// How fresh the findings are: the ingest evaluates them right behind the ledger, so after a
// burst they can lag it for a while. Shown beside the ledger so a reader knows whether the
// findings and the accounting already reflect the newest entries.
import type { ApiClient } from '../api/graphql-client';
import type { FindingsFreshnessQuery } from '../api/graphql-types.generated';
import { fill } from '../components/async-section';
import { formatCount } from '../components/format';
import { stat } from '../components/panel';
import { h, replaceChildren } from '../dom/dom-builder';
import type { ViewContext } from '../views/view-context';

export type FindingsFreshnessRow = FindingsFreshnessQuery['ledger'];

const FINDINGS_FRESHNESS = /* GraphQL */ `
  query FindingsFreshness {
    ledger {
      findingsCompleteThrough
      findingsLag
      findingsLagSeconds
    }
  }
`;

export interface FreshnessText {
  state: 'current' | 'behind';
  value: string;
  note: string;
}

/** What the reader is told (pure: unit-tested). */
export function describeFreshness(f: FindingsFreshnessRow): FreshnessText {
  const through =
    f.findingsCompleteThrough === null
      ? 'no entry evaluated yet'
      : `complete through entry #${formatCount(f.findingsCompleteThrough)}`;
  if (f.findingsLag === 0) return { state: 'current', value: 'Up to date', note: through };
  const seconds = Math.max(1, Math.round(f.findingsLagSeconds));
  return {
    state: 'behind',
    value: `${formatCount(f.findingsLag)} ${f.findingsLag === 1 ? 'entry' : 'entries'} behind`,
    note: `${through}; oldest waiting ${formatCount(seconds)} s`,
  };
}

export async function findingsFreshness(api: ApiClient): Promise<FindingsFreshnessRow> {
  return (await api.query<FindingsFreshnessQuery>(FINDINGS_FRESHNESS)).ledger;
}

/** A "Findings" stat that fills itself in: a badge, and the position as its note. */
export function findingsFreshnessStat(ctx: ViewContext): HTMLElement {
  const value = h('span', { id: 'findings-freshness' });
  const note = h('span', { class: 'findings-freshness-note' });
  void fill(
    ctx,
    value,
    'findings freshness',
    () => findingsFreshness(ctx.api),
    (f) => {
      const text = describeFreshness(f);
      replaceChildren(note, text.note);
      return [
        h(
          'span',
          {
            class: `badge ${text.state === 'current' ? 'badge-ok' : 'badge-warn'}`,
            'data-freshness': text.state,
          },
          text.value,
        ),
      ];
    },
  );
  return stat('Findings', value, note);
}
