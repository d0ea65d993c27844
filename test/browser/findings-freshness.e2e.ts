import { demoEvents } from '@scantrail/demo';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshotPath } from './browser-session';
import { startDashboardServer, type DashboardServer } from './dashboard-server';

// What a privacy officer sees of the findings' freshness in a real headless Chromium: the
// ledger card and the ledger page say how many entries the findings are behind and up to
// which entry they are complete, as the API says it. The server's last events are recorded
// with their findings left to a worker that does not run here, so the lag stays put.

interface Freshness {
  findingsCompleteThrough: number | null;
  findingsLag: number;
  findingsLagSeconds: number;
}

let server: DashboardServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

async function freshnessAs(token: string): Promise<Freshness> {
  const response = await fetch(`${server.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: '{ ledger { findingsCompleteThrough findingsLag findingsLagSeconds } }',
    }),
  });
  const body = (await response.json()) as { data?: { ledger: Freshness } };
  if (!body.data) throw new Error(JSON.stringify(body));
  return body.data.ledger;
}

beforeAll(async () => {
  const behind = [...demoEvents({ events: 300, seed: 77 })].map((m) => m.value);
  [server, browser] = await Promise.all([
    startDashboardServer({ demoRuns: 2, recordBehind: behind }),
    launchChromium(),
  ]);
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      pageErrors.push(message.text());
    }
  });
}, 300000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

describe('findings freshness on the dashboard', () => {
  it('should show on the ledger card and page how far the findings are behind the ledger', async () => {
    const api = await freshnessAs(server.tokens.officer);
    expect(api.findingsLag).toBeGreaterThan(200);
    expect(api.findingsCompleteThrough).not.toBeNull();
    const through = (api.findingsCompleteThrough ?? 0).toLocaleString('en-US');

    await page.goto(`${server.dashboardUrl}#token=${server.tokens.officer}`);
    const card = page.locator('#ledger-card #findings-freshness [data-freshness]');
    await card.waitFor({ timeout: 30000 });
    expect(await card.getAttribute('data-freshness')).toBe('behind');
    expect(await card.innerText()).toBe(
      `${api.findingsLag.toLocaleString('en-US')} entries behind`,
    );
    const note = await page.locator('#ledger-card .findings-freshness-note').innerText();
    expect(note).toContain(`complete through entry #${through}`);
    expect(note).toMatch(/oldest waiting [\d,]+ s$/);
    await page
      .locator('#ledger-card')
      .screenshot({ path: screenshotPath('findings-freshness-card') });

    await page.goto(`${server.dashboardUrl}#/ledger`);
    const onPage = page.locator('main #findings-freshness [data-freshness]');
    await onPage.waitFor({ timeout: 30000 });
    expect(await onPage.innerText()).toBe(
      `${api.findingsLag.toLocaleString('en-US')} entries behind`,
    );
    expect(pageErrors).toEqual([]);
  });

  it('should show a vendor the same freshness (like the tree size, it is every role’s)', async () => {
    const api = await freshnessAs(server.tokens.acme);
    const vendorPage = await context.newPage();
    try {
      await vendorPage.goto(`${server.dashboardUrl}#token=${server.tokens.acme}`);
      const card = vendorPage.locator('#ledger-card #findings-freshness [data-freshness]');
      await card.waitFor({ timeout: 30000 });
      expect(await card.innerText()).toBe(
        `${api.findingsLag.toLocaleString('en-US')} entries behind`,
      );
    } finally {
      await vendorPage.close();
    }
  });
});
