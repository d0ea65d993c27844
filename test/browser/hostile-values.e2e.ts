// Attack: the dashboard with hostile values recorded in the ledger (a vendor name of 5,000
// characters without a space, with an RTL override, emoji and markup). The page must stay
// usable: nothing pushes the navigation or the page off screen (no horizontal scroll), a
// long value is truncated with its whole text in a title, and nothing in it is executed.
// Reproduce: npx jest --config jest.e2e.config.js test/browser/hostile-values.e2e.ts
import { cloudEvent } from '@scantrail/contract/testing';
import { DashboardSession } from './browser-session';

const HOSTILE_ID = 'vnd-hostile';
const HOSTILE_NAME =
  '\u202eevil <img src=x onerror="window.__pwned=1"> 😈👩‍👩‍👧 ' + 'W'.repeat(5_000) + '\u202c';

const session = DashboardSession.forSuite({
  demoRuns: 1,
  eventsPerRun: 100,
  alsoRecord: [
    cloudEvent('org.scantrail.vendor.registered', {
      vendorId: HOSTILE_ID,
      name: HOSTILE_NAME,
      role: 'AI_DEVELOPER',
    }),
  ],
});

describe('dashboard with hostile values', () => {
  it('should keep the vendor view within the window, truncate the name with a title and run nothing', async () => {
    const dialogs: string[] = [];
    const page = await session.openAs(session.server.tokens.officer);
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await session.goToView(`#/vendors/${HOSTILE_ID}`);
    const shown = page.getByText(/W{100}/).first();
    await shown.waitFor();
    expect(await shown.textContent()).toContain(HOSTILE_NAME); // shown as text, not markup
    expect(await page.locator('main img, #app img').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(dialogs).toEqual([]);

    const layout = await page.evaluate<{
      viewport: number;
      scrollWidth: number;
      navRight: number;
    }>(`(() => {
      const nav = document.querySelector('#nav').getBoundingClientRect();
      return {
        viewport: window.innerWidth,
        scrollWidth: document.documentElement.scrollWidth,
        navRight: nav.right,
      };
    })()`);
    // No horizontal scroll of the page: the navigation stays in the window.
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.viewport);
    expect(layout.navRight).toBeLessThanOrEqual(layout.viewport);
    // Truncated (a line or two, not a wall of text), the whole name in a title.
    const box = await shown.boundingBox();
    expect(box?.height ?? Infinity).toBeLessThan(200);
    expect(await shown.getAttribute('title')).toBe(HOSTILE_NAME);
    await session.shoot('hostile-01-vendor');
    expect(session.pageErrors).toEqual([]);
  });

  it('should keep the overview within the window with the name cut and its title', async () => {
    const page = await session.openAs(session.server.tokens.officer);
    const link = page.locator(`#vendors-table tr[data-vendor="${HOSTILE_ID}"] a.vendor-link`);
    await link.waitFor();
    expect(await link.textContent()).toBe(HOSTILE_NAME);
    expect(await link.getAttribute('title')).toBe(HOSTILE_NAME);
    const layout = await page.evaluate<{ viewport: number; scrollWidth: number }>(
      `({ viewport: window.innerWidth, scrollWidth: document.documentElement.scrollWidth })`,
    );
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.viewport);
    expect((await link.boundingBox())?.width ?? Infinity).toBeLessThan(layout.viewport);
    await session.shoot('hostile-02-overview');
    expect(session.pageErrors).toEqual([]);
  });
});
