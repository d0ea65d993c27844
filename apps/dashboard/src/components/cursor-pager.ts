import type { Connection } from '../api/dashboard-queries';
import { h } from '../dom/dom-builder';
import { formatCount } from './format';

/**
 * Forward keyset paging with a way back: remembers the `after` cursor of each page seen,
 * and how many rows came before it (a page may hold fewer rows than asked, e.g. the
 * quarantine's byte cap), so "Previous" needs no offset and every page is one bounded request.
 */
export class CursorPager {
  private readonly starts: { after: string | null; rowsBefore: number }[] = [
    { after: null, rowsBefore: 0 },
  ];

  /** The button just used, whose replacement takes the focus when the new page is shown. */
  pressed: 'previous' | 'next' | undefined;

  get after(): string | null {
    return this.starts[this.starts.length - 1].after;
  }

  /** Rows on the pages before the current one. */
  get rowsBefore(): number {
    return this.starts[this.starts.length - 1].rowsBefore;
  }

  /** 0-based index of the current page. */
  get index(): number {
    return this.starts.length - 1;
  }

  /** Moves past the current page, which held `rowsOnPage` rows. */
  next(endCursor: string, rowsOnPage: number): void {
    this.starts.push({ after: endCursor, rowsBefore: this.rowsBefore + rowsOnPage });
  }

  previous(): void {
    if (this.starts.length > 1) this.starts.pop();
  }

  reset(): void {
    this.starts.splice(1);
    this.pressed = undefined;
  }
}

/** "Showing 51–100 of 1,234" with Previous / Next buttons. */
export function pagerControls(
  pager: CursorPager,
  page: Connection<unknown>,
  label: string,
  onChange: () => void,
): HTMLElement {
  const first = pager.rowsBefore + 1;
  const last = pager.rowsBefore + page.edges.length;
  const summary =
    page.edges.length === 0
      ? `None of ${formatCount(page.totalCount)}`
      : `Showing ${formatCount(first)}–${formatCount(last)} of ${formatCount(page.totalCount)}`;
  const endCursor = page.pageInfo.endCursor;
  const previous = h(
    'button',
    {
      type: 'button',
      class: 'button secondary',
      disabled: pager.index === 0,
      on: {
        click: () => {
          pager.previous();
          pager.pressed = 'previous';
          onChange();
        },
      },
    },
    '← Previous',
  );
  const next = h(
    'button',
    {
      type: 'button',
      class: 'button secondary',
      disabled: !page.pageInfo.hasNextPage || endCursor === null,
      on: {
        click: () => {
          if (endCursor === null) return;
          pager.next(endCursor, page.edges.length);
          pager.pressed = 'next';
          onChange();
        },
      },
    },
    'Next →',
  );
  // The page is redrawn with new buttons: a keyboard user's focus would fall back to the
  // top of the document. It goes to the new button pressed, or to the other when that one
  // is disabled (Previous on the first page), once the caller has put them in the page;
  // not if the user has meanwhile put it somewhere else.
  const pressed = pager.pressed;
  pager.pressed = undefined;
  if (pressed !== undefined) {
    const [wanted, other] = pressed === 'next' ? [next, previous] : [previous, next];
    queueMicrotask(() => {
      const target = wanted.disabled ? other : wanted;
      const lost = document.activeElement === null || document.activeElement === document.body;
      if (lost && target.isConnected && !target.disabled) target.focus();
    });
  }
  return h(
    'nav',
    { class: 'pager', 'aria-label': `${label} pages` },
    previous,
    h('span', { class: 'pager-summary', 'aria-live': 'polite' }, summary),
    next,
  );
}
