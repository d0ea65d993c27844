// What hostile values do to a dashboard page's layout, measured in the browser: shared by
// the suites that record 5,000-character values (hostile-views, hostile-pacs).
import type { Page } from 'playwright-core';

export interface Overflow {
  viewport: number;
  scrollWidth: number;
  /** The innermost elements (outside the lineage graph's SVG) wider than the window, widest first. */
  tooWide: { what: string; width: number }[];
  /** Tables wider than their card (which scrolls them sideways), with the room they had. */
  scrolled: { what: string; width: number; room: number }[];
  /** Elements showing 100 W's of a hostile value that are cut without their whole text in a title. */
  cutWithoutTitle: string[];
  /** Elements showing 100 W's of a hostile value that are a wall of text (taller than 200 px). */
  walls: { what: string; height: number }[];
}

/** What of the page is wider than the window, or shows a hostile value as a wall or cut. */
export function overflowOf(page: Page): Promise<Overflow> {
  return page.evaluate<Overflow>(`(() => {
    const viewport = window.innerWidth;
    const describe = (e) =>
      e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ').join('.') : '');
    const all = [...document.querySelectorAll('body *')].filter((e) => !e.closest('svg'));
    // The innermost elements wider than the window: what makes their ancestors so wide.
    const wide = all.filter((e) => e.getBoundingClientRect().width > viewport);
    const tooWide = wide
      .filter((e) => !wide.some((d) => d !== e && e.contains(d)))
      .map((e) => ({ what: describe(e), width: Math.round(e.getBoundingClientRect().width) }))
      .sort((a, b) => b.width - a.width)
      .slice(0, 8);
    const shows = all.filter((e) =>
      [...e.childNodes].some((n) => n.nodeType === 3 && /W{100}/.test(n.textContent)));
    const cutWithoutTitle = shows
      .filter((e) => e.scrollWidth > e.clientWidth + 1 && !(e.title || '').includes('W'.repeat(5000)))
      .map(describe);
    const walls = shows
      .map((e) => ({ what: describe(e), height: Math.round(e.getBoundingClientRect().height) }))
      .filter((x) => x.height > 200);
    // Tables scrolling sideways inside their card: a column pushed out of sight.
    const scrolled = [...document.querySelectorAll('main .table-scroll')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1)
      .map((e) => ({ what: describe(e.firstElementChild ?? e), width: e.scrollWidth, room: e.clientWidth }));
    return {
      viewport,
      scrolled,
      scrollWidth: document.documentElement.scrollWidth,
      tooWide,
      cutWithoutTitle,
      walls,
    };
  })()`);
}
