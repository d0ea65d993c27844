import { demoEvents } from '@scantrail/demo';
import type { Page } from 'playwright-core';
import { DashboardSession, screenshotPath } from './browser-session';

// What a privacy officer sees of the findings' freshness in a real headless Chromium: the
// ledger card and the ledger page say how many entries the findings are behind and up to
// which entry they are complete, as the API says it. The server's last events are recorded
// with their findings left to a worker that does not run here, so the lag stays put.

interface Freshness {
  findingsCompleteThrough: number | null;
  findingsLag: number;
  findingsLagSeconds: number;
}

const session = DashboardSession.forSuite({
  demoRuns: 2,
  recordBehind: [...demoEvents({ events: 300, seed: 77 })].map((m) => m.value),
});
const { pageErrors } = session;
let page: Page;

async function freshnessAs(token: string): Promise<Freshness> {
  const response = await fetch(`${session.server.origin}/graphql`, {
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
  page = await session.openPage();
});

describe('findings freshness on the dashboard', () => {
  it('should show on the ledger card and page how far the findings are behind the ledger', async () => {
    const api = await freshnessAs(session.server.tokens.officer);
    expect(api.findingsLag).toBeGreaterThan(200);
    expect(api.findingsCompleteThrough).not.toBeNull();
    const through = (api.findingsCompleteThrough ?? 0).toLocaleString('en-US');

    await page.goto(`${session.server.dashboardUrl}#token=${session.server.tokens.officer}`);
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

    await page.goto(`${session.server.dashboardUrl}#/ledger`);
    const onPage = page.locator('main #findings-freshness [data-freshness]');
    await onPage.waitFor({ timeout: 30000 });
    expect(await onPage.innerText()).toBe(
      `${api.findingsLag.toLocaleString('en-US')} entries behind`,
    );
    expect(pageErrors).toEqual([]);
  });

  it('should show a vendor the same freshness (like the tree size, it is every role’s)', async () => {
    const api = await freshnessAs(session.server.tokens.acme);
    const vendorPage = await page.context().newPage();
    try {
      await vendorPage.goto(`${session.server.dashboardUrl}#token=${session.server.tokens.acme}`);
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
