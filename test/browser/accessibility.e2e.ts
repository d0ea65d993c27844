import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ACME, PATIENT_P, RESEARCH } from '../api/api-scenario';
import { axeViolations, violationLines, type AxeViolation } from './axe-check';
import { ARTIFACTS, DashboardSession } from './browser-session';

// The dashboard against WCAG 2.1 level AA (the level of EN 301 549 and Section 508), in a
// real Chromium against the API and a seeded ledger. axe-core checks every route and state
// (each role, lists full and empty, the details panel open, the lineage graph, errors and
// refusals); what axe cannot see is checked with the keyboard: every control reached with
// Tab and shown with a visible focus, operated with Enter or Space, the details panel
// taking focus, closed by Escape and handing focus back, and the graph given as a table.

/** Not JSON, not UTF-8: refused by the ingest, so the quarantine has a row to open. */
const REFUSED = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x9c]), Buffer.from('MRN-A11Y')]);

const session = DashboardSession.forSuite({ demoRuns: 2, alsoRecord: [REFUSED] });
const { pageErrors } = session;
let page: Page;

/** Every violation seen, by state: written to test/artifacts/accessibility.json. */
const seen: Record<string, AxeViolation[]> = {};

/** Waits until no part of the page is still loading (polled: the page's CSP forbids eval). */
async function settled(): Promise<void> {
  await until(`document.querySelectorAll('.loading, [aria-busy="true"]').length === 0`);
}

/** Waits until the expression is true in the page (polled: the page's CSP forbids eval). */
async function until(expression: string): Promise<void> {
  const deadline = Date.now() + 30000;
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > deadline) throw new Error(`still not ${expression} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** axe-core's WCAG 2.1 A and AA rules on the whole page once it has loaded. */
async function axe(state: string): Promise<string[]> {
  await settled();
  const violations = await axeViolations(page);
  seen[state] = violations;
  return violationLines(state, violations);
}

/**
 * What the current test found (axe violations, keyboard problems): collected so that one
 * test reports every state it went through, and asserted empty after it.
 */
let problems: string[] = [];
beforeEach(() => {
  problems = [];
});
afterEach(() => {
  expect(problems).toEqual([]);
});

async function expectNoViolations(state: string): Promise<void> {
  problems.push(...(await axe(state)));
}

/** In the page: a short description of element `e`. */
const DESCRIBE = `(e) => e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' +
  (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 40) + '"' : 'nothing'`;

interface Focused {
  what: string;
  /** An outline of 2 px or more, or a box shadow ring. */
  indicator: boolean;
  inView: boolean;
  /** Its data-a11y-control mark (see `controls`). */
  mark: string | null;
}

/** What has focus now, or null for the page itself. */
function focused(): Promise<Focused | null> {
  return page.evaluate<Focused | null>(`(() => {
    const e = document.activeElement;
    if (e === null || e === document.body) return null;
    const style = getComputedStyle(e);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const ring = style.boxShadow !== 'none' && style.boxShadow !== '';
    const box = e.getBoundingClientRect();
    const inView = box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight;
    return {
      what: (${DESCRIBE})(e),
      indicator: outline || ring,
      inView,
      mark: e.getAttribute('data-a11y-control'),
    };
  })()`);
}

/** Marks every control a keyboard user should reach on the page now (shown, enabled). */
function controls(): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    document.querySelectorAll('[data-a11y-control]').forEach((e) => e.removeAttribute('data-a11y-control'));
    return [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
      .filter((e) => {
        if (e.disabled) return false;
        if (e.getAttribute('tabindex') === '-1') return false;
        if (e.closest('[inert], [hidden], details:not([open]) > :not(summary)')) return false;
        const box = e.getBoundingClientRect();
        // The skip link sits off screen until it has focus.
        return e.id === 'skip-link' || (box.width > 0 && box.height > 0);
      })
      .map((e, i) => {
        e.setAttribute('data-a11y-control', String(i));
        return String(i);
      });
  })()`);
}

/**
 * Puts the keyboard at the top of the page, as a fresh load does: focus on a mark before
 * everything (not itself reached with Tab), so the next Tab goes to the first control.
 */
const toTop = (): Promise<unknown> =>
  page.evaluate(`(() => {
    window.scrollTo(0, 0);
    const start = document.createElement('span');
    start.tabIndex = -1;
    start.id = 'a11y-start';
    document.body.prepend(start);
    start.focus({ preventScroll: true });
    start.addEventListener('blur', () => start.remove());
  })()`);

/**
 * Tabs from the top of the page to its end: every control must be reached, each with a
 * visible focus indicator, in the window. Returns the problems found.
 */
async function tabThrough(state: string): Promise<string[]> {
  await settled();
  const expected = await controls();
  await toTop();
  const reached = new Set<string>();
  const found: string[] = [];
  const path: string[] = [];
  let stop = 'too many stops';
  let last: string | null = null;
  for (let i = 0; i < expected.length + 20; i++) {
    await page.keyboard.press('Tab');
    const now = await focused();
    if (now === null) {
      stop = 'focus left the page';
      break;
    }
    // A date field takes one Tab per part (month, day, year): the same control again.
    if (now.mark !== null && now.mark === last) continue;
    last = now.mark;
    path.push(now.what);
    if (now.mark !== null) {
      if (reached.has(now.mark)) {
        stop = `back at ${now.what}`;
        break;
      }
      reached.add(now.mark);
    }
    if (!now.indicator) found.push(`${state}: no visible focus on ${now.what}`);
    if (!now.inView) found.push(`${state}: focus out of view on ${now.what}`);
  }
  const missed = await page.evaluate<string[]>(
    `${JSON.stringify(expected.filter((id) => !reached.has(id)))}.map((id) =>
      (${DESCRIBE})(document.querySelector('[data-a11y-control="' + id + '"]')))`,
  );
  await page.evaluate(
    `document.querySelectorAll('[data-a11y-control]').forEach((e) => e.removeAttribute('data-a11y-control'))`,
  );
  const where =
    missed.length > 0 ? [`${state}: Tab stopped (${stop}) after ${path.slice(-3).join(', ')}`] : [];
  return [...found, ...missed.map((m) => `${state}: not reached with Tab: ${m}`), ...where];
}

/** The innermost elements past the window's right edge, outside the boxes that scroll sideways. */
function tooWideOutsideScrollers(): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const clipped = (e) => {
      for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') return true;
      }
      return false;
    };
    const wide = [...document.querySelectorAll('body *')].filter(
      (e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(e),
    );
    return wide
      .filter((e) => !wide.some((d) => d !== e && e.contains(d)))
      .slice(0, 8)
      .map((e) => (${DESCRIBE})(e) + ' ' + e.className + ' right ' + Math.round(e.getBoundingClientRect().right));
  })()`);
}

/**
 * Focuses the element with Tab (not by script), as a keyboard user would: from the top of
 * the page, or from where focus is (`fromTop` false).
 */
async function tabTo(selector: string, limit = 300, fromTop = true): Promise<void> {
  if (fromTop) await toTop();
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const there = `document.activeElement === document.querySelector(${JSON.stringify(selector)})`;
    if (await page.evaluate<boolean>(there)) return;
  }
  throw new Error(`${selector} is not reached with Tab`);
}

const activeText = (): Promise<string> =>
  page.evaluate<string>(
    `(document.activeElement && document.activeElement.textContent || '').trim()`,
  );

const activeLabel = (): Promise<string | null> =>
  page.evaluate<string | null>(
    `document.activeElement && document.activeElement.getAttribute('aria-label')`,
  );

const focusIsIn = (selector: string): Promise<boolean> =>
  page.evaluate<boolean>(
    `!!(document.activeElement && document.activeElement.closest(${JSON.stringify(selector)}))`,
  );

afterAll(() => {
  const byRule: Record<string, { impact: string | null; nodes: number; states: string[] }> = {};
  for (const [state, violations] of Object.entries(seen)) {
    for (const v of violations) {
      const rule = (byRule[v.id] ??= { impact: v.impact, nodes: 0, states: [] });
      rule.nodes += v.targets.length;
      rule.states.push(state);
    }
  }
  writeFileSync(
    join(ARTIFACTS, 'accessibility.json'),
    `${JSON.stringify({ byRule, byState: seen }, null, 2)}\n`,
  );
});

describe('accessibility (WCAG 2.1 AA) signed out', () => {
  it('should pass axe on the sign-in page, empty and with an error', async () => {
    page = await session.openPage();
    await page.goto(session.server.dashboardUrl);
    await page.locator('#token-input').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await expectNoViolations('sign-in');
    await page.getByLabel('Access token').fill('not-a-token');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await session.waitForText('#login-status', 'not a token');
    await expectNoViolations('sign-in error');
  });

  it('should reach the sign-in form with Tab, and sign in with the keyboard alone', async () => {
    problems.push(...(await tabThrough('sign-in')));
    await tabTo('#token-input');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(session.server.tokens.officer);
    await page.keyboard.press('Tab');
    expect(await activeText()).toBe('Sign in');
    await page.keyboard.press('Enter');
    await page.locator('#vendors-table tbody tr').first().waitFor();
  });
});

describe('accessibility (WCAG 2.1 AA) as a privacy officer', () => {
  beforeAll(async () => {
    page = await session.openAs(session.server.tokens.officer);
  });

  it('should pass axe on the overview, full', async () => {
    await page.locator('#vendors-table tbody tr').first().waitFor();
    await page.locator('#ledger-card [data-verified]').waitFor();
    await expectNoViolations('officer overview');
  });

  it('should open the page with a skip link to the content, shown when focused', async () => {
    await toTop();
    await page.keyboard.press('Tab');
    const skip = await focused();
    expect(skip?.what).toContain('#skip-link');
    expect(skip?.inView).toBe(true);
    expect(skip?.indicator).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>(`document.activeElement.id`)).toBe('main');
  });

  it('should reach every control of the overview with Tab, each with a visible focus', async () => {
    problems.push(...(await tabThrough('officer overview')));
  });

  it('should follow a link with Enter and put focus on the new page heading', async () => {
    await tabTo('#nav a[href="#/patients"]');
    await page.keyboard.press('Enter');
    await page.locator('#patient-form').waitFor();
    expect(await page.evaluate<string>(`document.activeElement.tagName`)).toBe('H1');
    expect(await page.title()).toBe('Patient lookup · scantrail');
    expect(await page.getAttribute('#nav a[href="#/patients"]', 'aria-current')).toBe('page');
  });

  it('should pass axe on the patient lookup: empty, a result, nothing found and an error', async () => {
    await expectNoViolations('patients form');
    problems.push(...(await tabThrough('patients form')));
    await page.getByLabel('Identifier system').fill(PATIENT_P.system);
    await page.getByLabel('Identifier', { exact: true }).fill(PATIENT_P.value);
    await tabTo('#lookup-button');
    await page.keyboard.press('Enter');
    await page.locator('#accounting-table tbody tr').first().waitFor();
    await expectNoViolations('patients result');

    await page.getByLabel('Identifier', { exact: true }).fill('MRN-NOBODY-A11Y');
    await page.locator('#lookup-button').press('Space');
    await session.waitForText('#accounting-result', 'No disclosures');
    await expectNoViolations('patients nothing found');

    await page.getByLabel('Identifier', { exact: true }).fill(PATIENT_P.value);
    await page.getByLabel('From (optional)').fill('2025-02-01');
    await page.getByLabel('To (optional)').fill('2025-01-01');
    await page.locator('#lookup-button').press('Enter');
    await page.locator('#accounting-result .notice-error').waitFor();
    // The error is announced: it is an alert, or inside a live region.
    expect(
      await page.evaluate<boolean>(`(() => {
        const e = document.querySelector('#accounting-result .notice-error');
        return e.getAttribute('role') === 'alert' || !!e.closest('[aria-live]');
      })()`),
    ).toBe(true);
    await expectNoViolations('patients error');
  });

  let busiest = '';
  it('should pass axe on a vendor with its chart and a full page of findings', async () => {
    await session.goToView('#/');
    await page.locator('#vendors-table tbody tr').first().waitFor();
    const rows = await page.locator('#vendors-table tbody tr').all();
    const counted = await Promise.all(
      rows.map(async (row) => ({
        id: (await row.getAttribute('data-vendor')) ?? '',
        findings: Number((await row.locator('td').nth(3).innerText()).replace(/,/g, '')),
      })),
    );
    busiest = counted.sort((a, b) => b.findings - a.findings)[0].id;
    await session.goToView(`#/vendors/${encodeURIComponent(busiest)}`);
    await page.locator('#vendor-findings tbody tr').first().waitFor();
    await page.locator('#vendor-chart svg.chart').waitFor();
    await expectNoViolations('officer vendor');
    problems.push(...(await tabThrough('officer vendor')));
  });

  it('should page with Space and filter the findings with the keyboard', async () => {
    await tabTo('#vendor-findings .pager button:not([disabled])');
    expect(await activeText()).toBe('Next →');
    await page.keyboard.press('Space');
    await session.waitForText('#vendor-findings .pager-summary', 'Showing 51–');
    // The new page's pager keeps the focus where the key was pressed: on Next, so Space
    // again turns the next page, never back to the top of the document.
    expect(await activeText()).toBe('Next →');
    expect(await focusIsIn('#vendor-findings .pager')).toBe(true);
    await tabTo('#vendor-findings .pager button:not([disabled])');
    expect(await activeText()).toBe('← Previous');
    await page.keyboard.press('Enter');
    await session.waitForText('#vendor-findings .pager-summary', 'Showing 1–50');
    // Previous is disabled on the first page: the focus goes to Next beside it.
    expect(await activeText()).toBe('Next →');
    await tabTo('#code-filter');
    await page.keyboard.press('ArrowDown');
    await settled();
    expect(await page.locator('#code-filter').inputValue()).not.toBe('');
    await session.waitForText('#vendor-findings .pager-summary', 'Showing 1–');
    await expectNoViolations('officer vendor filtered');
  });

  it('should pass axe on the lineage graph opened from a finding, and give the graph as a table', async () => {
    await tabTo('#vendor-findings a.lineage-link');
    await page.keyboard.press('Enter');
    await page.locator('#lineage-graph svg.lineage').waitFor();
    await expectNoViolations('officer lineage from a finding');
    problems.push(...(await tabThrough('officer lineage from a finding')));
  });

  it('should give every node and edge of the derivative chain as text, not only as a drawing', async () => {
    await session.goToView('#/lineage/1.2.840.99.1');
    await page.locator('#lineage-graph svg.lineage').waitFor();
    await expectNoViolations('officer lineage chain');
    // The drawing has a name, and points to the table.
    const svgName = await page.getAttribute('#lineage-graph svg.lineage', 'aria-label');
    expect(svgName).toMatch(/\d+ nodes, \d+ edges/);
    // Every arrow of the drawing is a row of the table: from, kind, to.
    const table = await page.locator('#lineage-edges').innerText();
    const drawn = await session.attributes('#lineage-graph g.edge', 'data-from');
    const drawnTo = await session.attributes('#lineage-graph g.edge', 'data-to');
    const drawnKind = await session.attributes('#lineage-graph g.edge', 'data-kind');
    expect(drawn.length).toBeGreaterThan(3);
    // The kind in words, its code in the cell's title.
    const rows = await Promise.all(
      (await page.locator('#lineage-edges tbody tr').all()).map(async (tr) => [
        ...(await tr.locator('td').allInnerTexts()),
        (await tr.locator('td.edge-kind-cell [title]').getAttribute('title')) ?? '',
      ]),
    );
    drawn.forEach((from, i) => {
      const edge = `${from} ${drawnKind[i]} ${drawnTo[i]}`;
      const row = rows.find(
        (cells) =>
          cells[1].includes(from ?? '?') &&
          cells[cells.length - 1] === drawnKind[i] &&
          cells[3].includes(drawnTo[i] ?? '?'),
      );
      expect({ edge, inTable: row !== undefined }).toEqual({ edge, inTable: true });
    });
    const nodes = await session.attributes('#lineage-graph g.node', 'data-id');
    for (const node of nodes) expect(table).toContain(node ?? '?');
    // A node that links somewhere says, as a link, which node it is, its id whole.
    const linked = await page.locator('#lineage-graph svg a').all();
    expect(linked.length).toBeGreaterThan(2);
    const names = await page.locator('#lineage-graph svg.lineage').ariaSnapshot();
    for (const link of linked) {
      const id = await link.locator('g.node').getAttribute('data-id');
      expect(names).toContain(id ?? '?');
    }
    // The table has real headers.
    expect(await page.locator('#lineage-edges thead th[scope="col"]').count()).toBe(6);
  });

  it('should pass axe on an unknown study and an unknown vendor', async () => {
    await session.goToView('#/lineage/1.2.3.404');
    await session.waitForText('main', 'Nothing to trace');
    await expectNoViolations('officer lineage unknown');
    await session.goToView('#/vendors/vnd-nobody-a11y');
    await session.waitForText('main', 'No event names this vendor');
    await expectNoViolations('officer vendor unknown');
  });

  it('should pass axe on the deletion requests and open a request with the keyboard', async () => {
    await session.goToView('#/deletion-requests');
    await page.locator('#requests-overdue tbody tr').first().waitFor();
    await expectNoViolations('officer deletion requests');
    problems.push(...(await tabThrough('officer deletion requests')));
    const summary = page.locator('details.obligation-details summary').first();
    if ((await summary.count()) > 0) {
      await tabTo('details.obligation-details summary');
      await page.keyboard.press('Enter');
      expect(
        await page.locator('details.obligation-details').first().getAttribute('open'),
      ).not.toBeNull();
      await expectNoViolations('officer deletion requests expanded');
    }
  });

  it('should pass axe on the breaches and a breach', async () => {
    await session.goToView('#/breaches');
    await page.locator('main table tbody tr').first().waitFor();
    await expectNoViolations('officer breaches');
    problems.push(...(await tabThrough('officer breaches')));
    await tabTo('main table tbody a[href^="#/breaches/"]');
    await page.keyboard.press('Enter');
    await until(`location.hash.startsWith('#/breaches/')`);
    await settled();
    await expectNoViolations('officer breach');
    problems.push(...(await tabThrough('officer breach')));
  });

  it('should pass axe on the ledger and on PACS with nothing held', async () => {
    await session.goToView('#/ledger');
    await page.locator('#ledger-checks li').first().waitFor();
    await expectNoViolations('officer ledger');
    await session.goToView('#/pacs');
    await settled();
    await expectNoViolations('officer pacs empty');
  });

  it('should pass axe on the quarantine, its details open; the details take focus, Escape closes them and focus returns', async () => {
    await session.goToView('#/quarantine');
    await page.locator('#quarantine-table tbody tr').first().waitFor();
    await expectNoViolations('officer quarantine');
    problems.push(...(await tabThrough('officer quarantine')));

    await tabTo('#quarantine-table button');
    const opener = await activeLabel();
    await page.keyboard.press('Enter');
    await page.locator('#quarantine-details').waitFor();
    // Focus moves into the details, which say what they are.
    expect(await focusIsIn('#quarantine-details')).toBe(true);
    await expectNoViolations('officer quarantine details');
    // Tab goes on through the details (their Close button), with a visible focus.
    await tabTo('#quarantine-details button', 10, false);
    expect(await activeText()).toBe('Close');
    expect((await focused())?.indicator).toBe(true);
    // Escape closes the details, and focus goes back to the button that opened them.
    await page.keyboard.press('Escape');
    expect(await page.locator('#quarantine-details').count()).toBe(0);
    expect(await activeLabel()).toBe(opener);
    // Enter on Close does the same.
    await page.keyboard.press('Enter');
    await page.locator('#quarantine-details').waitFor();
    await tabTo('#quarantine-details button', 10, false);
    await page.keyboard.press('Enter');
    expect(await page.locator('#quarantine-details').count()).toBe(0);
    expect(await activeLabel()).toBe(opener);
  });

  it('should keep the page within a 320 px wide window (400 % zoom), tables scrolling in their cards', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    for (const hash of [
      '#/',
      '#/patients',
      '#/deletion-requests',
      '#/breaches',
      '#/quarantine',
      '#/ledger',
      '#/lineage/1.2.840.99.1',
      '#/pacs',
    ]) {
      await session.goToView(hash);
      await page.waitForTimeout(300);
      await settled();
      // Tables and the graph may scroll sideways in their own box; the page may not.
      const scrollWidth = await page.evaluate<number>(`document.documentElement.scrollWidth`);
      const fits = scrollWidth <= 320;
      expect({
        hash,
        scrollWidth: fits ? 'fits' : scrollWidth,
        tooWide: fits ? [] : await tooWideOutsideScrollers(),
      }).toEqual({ hash, scrollWidth: 'fits', tooWide: [] });
      if (hash === '#/') await session.shoot('a11y-01-overview-320px');
    }
    await page.setViewportSize({ width: 1400, height: 1000 });
  });

  it('should have raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe('accessibility (WCAG 2.1 AA) as an auditor', () => {
  beforeAll(async () => {
    page = await session.openAs(session.server.tokens.auditor);
  });

  it('should pass axe on the overview, the lookup without the PDF and the redacted quarantine', async () => {
    await page.locator('#vendors-table tbody tr').first().waitFor();
    await expectNoViolations('auditor overview');
    await session.goToView('#/patients');
    await page.getByLabel('Identifier', { exact: true }).fill(PATIENT_P.value);
    await page.locator('#lookup-button').press('Enter');
    await page.locator('#accounting-table tbody tr').first().waitFor();
    await expectNoViolations('auditor patients result');
    await session.goToView('#/quarantine');
    await page.locator('#quarantine-table tbody tr').first().waitFor();
    await page.locator('#quarantine-table button').first().press('Enter');
    await page.locator('#quarantine-details').waitFor();
    await expectNoViolations('auditor quarantine details');
    expect(pageErrors).toEqual([]);
  });
});

describe('accessibility (WCAG 2.1 AA) as a vendor', () => {
  beforeAll(async () => {
    page = await session.openAs(session.server.tokens.acme);
  });

  it('should pass axe on its overview, its own page and the pages it is refused', async () => {
    await page.locator('#vendors-table tbody tr').first().waitFor();
    await expectNoViolations('vendor overview');
    problems.push(...(await tabThrough('vendor overview')));
    await session.goToView(`#/vendors/${ACME}`);
    await page.locator('#vendor-findings tbody tr').first().waitFor();
    await expectNoViolations('vendor own page');
    await session.goToView('#/patients');
    await session.waitForText('.notice-forbidden', 'privacy officers and auditors');
    await expectNoViolations('vendor patients refused');
    await session.goToView(`#/vendors/${RESEARCH}`);
    await session.waitForText('.notice-forbidden', 'Not available with your access');
    await expectNoViolations('vendor other vendor refused');
  });

  it('should pass axe on its deletion requests and breaches', async () => {
    await session.goToView('#/deletion-requests');
    await settled();
    await expectNoViolations('vendor deletion requests');
    await session.goToView('#/breaches');
    await settled();
    await expectNoViolations('vendor breaches');
  });

  it('should pass axe with every list empty (a vendor with nothing recorded)', async () => {
    page = await session.openAs(session.server.mint('nobody', ['vendor'], 'vnd-nothing-a11y'));
    await settled();
    await expectNoViolations('empty vendor overview');
    problems.push(...(await tabThrough('empty vendor overview')));
    for (const [hash, state] of [
      ['#/vendors/vnd-nothing-a11y', 'empty vendor page'],
      ['#/deletion-requests', 'empty deletion requests'],
      ['#/breaches', 'empty breaches'],
    ]) {
      await session.goToView(hash);
      await page.waitForTimeout(200);
      await expectNoViolations(state);
    }
    expect(pageErrors).toEqual([]);
  });
});
