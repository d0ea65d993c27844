// What a dashboard page's layout does to the values it shows, measured in the browser:
// hostile 5,000-character values (hostile-views, hostile-pacs) and ordinary ones a person
// must read whole.
import type { Locator, Page } from 'playwright-core';
import { screenshotPath } from './browser-session';

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
  /**
   * Elements whose recorded text holds a bidi control (an RTL override left open) that can
   * reorder the page's own text after it: the text sits in an inline element that is not
   * isolated (`unicode-bidi: isolate`, an inline-block, a cell), or other text follows it in
   * the same block.
   */
  bidiLeaks: string[];
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
    // Recorded text with a bidi control: what it could reorder outside itself.
    const BIDI = /[\u202a-\u202e\u2066-\u2069]/;
    const isolated = (e) => {
      // An SVG text (or its title) is laid out on its own: it cannot reorder another.
      if (e instanceof SVGElement && ['text', 'title', 'desc'].includes(e.tagName)) return true;
      const style = getComputedStyle(e);
      return style.display !== 'inline' || /isolate|plaintext/.test(style.unicodeBidi);
    };
    const followedByText = (n) => {
      for (let s = n.nextSibling; s; s = s.nextSibling) if ((s.textContent || '').trim()) return true;
      return false;
    };
    const bidiLeaks = [...document.querySelectorAll('body *')]
      .flatMap((e) => [...e.childNodes]
        .filter((n) => n.nodeType === 3 && BIDI.test(n.textContent))
        .filter((n) => !isolated(e) || followedByText(n))
        .map(() => describe(e)))
      .slice(0, 8);
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
      bidiLeaks,
    };
  })()`);
}

/**
 * Checks the page as it stands: nothing wider than the window, no table scrolled sideways, no
 * wall of text, no value cut without its whole text in a title, no RTL override in a value
 * that could reorder the page's own text, no image, no script run, no
 * page error. The screenshot is of the window, scrolled to the first hostile value.
 */
export async function expectUsable(
  page: Page,
  shot: string,
  pageErrors: readonly unknown[],
): Promise<void> {
  await page.evaluate(`(() => {
    const shown = [...document.querySelectorAll('main *')].find(
      (e) => !e.closest('svg') && /W{100}/.test(e.textContent) && e.children.length === 0);
    if (shown) shown.scrollIntoView({ block: 'center' });
  })()`);
  await page.screenshot({ path: screenshotPath(shot) });
  const o = await overflowOf(page);
  expect({ scrollWidth: o.scrollWidth, tooWide: o.tooWide }).toEqual({
    scrollWidth: o.viewport,
    tooWide: [],
  });
  expect(o.scrolled).toEqual([]);
  expect(o.walls).toEqual([]);
  expect(o.cutWithoutTitle).toEqual([]);
  expect(o.bidiLeaks).toEqual([]);
  expect(await page.locator('main img, #app img').count()).toBe(0);
  expect(await page.evaluate('window.__pwned')).toBeUndefined();
  expect(pageErrors).toEqual([]);
}

/** What of an element the page measures (the tests compile without the DOM's types). */
interface Measured {
  scrollHeight: number;
  clientHeight: number;
  scrollWidth: number;
  clientWidth: number;
  textContent: string | null;
}

/**
 * The texts of the elements `locator` matches that show less than their text: clamped to
 * fewer lines, or clipped sideways (an ordinary value a person must read whole).
 */
export function cutTexts(locator: Locator): Promise<string[]> {
  return locator.evaluateAll((elements: Measured[]) =>
    elements
      .filter((e) => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
      .map((e) => e.textContent ?? ''),
  );
}
