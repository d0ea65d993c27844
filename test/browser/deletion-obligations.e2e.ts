import type { Browser, BrowserContext, Page } from 'playwright-core';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { launchChromium, screenshotPath } from './browser-session';
import { startDashboardServer, type DashboardServer } from './dashboard-server';

// Per-vendor deletion obligations on the dashboard when there are more requests than one
// page holds: 260 patients of a hosting vendor ask for deletion (232 still overdue), a few
// of them also held by an AI vendor. The counts a person reads are the server's, over every
// request (the dashboard once counted the first 200 requests of each status).

const PATIENTS = 260;
const ARCHWAY = 'vnd-archway';
const LUMEN = 'vnd-lumen';
/** Archway attests the deletion of every tenth study; these requests end fulfilled. */
const ATTESTED = (i: number): boolean => i % 10 === 0;
/** Lumen got these studies by onward transfer; the last two are due years ahead (open). */
const AT_LUMEN = [1, 2, 3, 4, 5];
const DUE_LATER = new Set([4, 5]);

const ARCHWAY_OVERDUE = PATIENTS - PATIENTS / 10 - DUE_LATER.size;
const uid = (i: number): string => `2.25.880${String(i).padStart(4, '0')}`;
const at = (day: number, i: number): string =>
  new Date(Date.UTC(2025, 0, day, 0, 0, i)).toISOString();

function seedEvents(): object[] {
  const events: object[] = [
    cloudEvent(
      'org.scantrail.vendor.registered',
      { vendorId: ARCHWAY, name: 'Archway Archive Hosting', role: 'CLOUD_HOST' },
      { time: at(1, 0) },
    ),
    cloudEvent(
      'org.scantrail.vendor.registered',
      { vendorId: LUMEN, name: 'Lumen Radiology AI', role: 'AI_DEVELOPER' },
      { time: at(1, 0) },
    ),
  ];
  for (let i = 0; i < PATIENTS; i++) {
    const patient = { system: 'urn:oid:2.16.840.1.113883.3.7', value: `MRN-88${i}` };
    const target = { studyInstanceUid: uid(i) };
    events.push(
      cloudEvent(
        'org.scantrail.study.registered',
        exampleData('org.scantrail.study.registered', {
          studyInstanceUid: uid(i),
          patient,
          accessionNumber: `ACC-88${i}`,
        }),
        { time: at(1, i) },
      ),
      cloudEvent(
        'org.scantrail.disclosure.recorded',
        exampleData('org.scantrail.disclosure.recorded', {
          disclosureId: `dsc-88-${i}`,
          recipientVendorId: ARCHWAY,
          target,
          purpose: 'TREATMENT',
          legalBasis: 'TREATMENT',
          agreementId: undefined,
        }),
        { time: at(2, i) },
      ),
      cloudEvent(
        'org.scantrail.deletion.requested',
        {
          requestId: `del-88-${String(i).padStart(4, '0')}`,
          patient,
          dueBy: DUE_LATER.has(i) ? '2030-01-31' : '2025-02-01',
          legalGround: 'CCPA 1798.105',
        },
        { time: at(4, i) },
      ),
    );
    if (AT_LUMEN.includes(i)) {
      events.push(
        cloudEvent(
          'org.scantrail.transfer.onward',
          {
            transferId: `trf-88-${i}`,
            fromVendorId: ARCHWAY,
            toVendorId: LUMEN,
            target,
            purpose: 'TREATMENT',
          },
          { time: at(3, i) },
        ),
      );
    }
    if (ATTESTED(i)) {
      events.push(
        cloudEvent(
          'org.scantrail.deletion.attested',
          { vendorId: ARCHWAY, target },
          { time: at(10, i) },
        ),
      );
    }
  }
  return events;
}

let server: DashboardServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

async function openPage(token: string): Promise<void> {
  await context?.close();
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      pageErrors.push(message.text());
    }
  });
  await page.goto(`${server.dashboardUrl}#token=${token}`);
  await page.locator('#who-role').filter({ hasText: /\S/ }).waitFor({ timeout: 30000 });
}

interface ObligationLine {
  vendor: { vendorId: string };
  overdue: number;
  open: number;
  fulfilled: number;
  exempt: number;
}

/** The API's own per-vendor counts, asked with the same token the page uses. */
async function apiLines(token: string): Promise<ObligationLine[]> {
  const response = await fetch(`${server.origin}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      query:
        '{ deletionObligationsByVendor { vendor { vendorId } overdue open fulfilled exempt } }',
    }),
  });
  const body = (await response.json()) as {
    data: { deletionObligationsByVendor: ObligationLine[] };
    errors?: unknown[];
  };
  expect(body.errors).toBeUndefined();
  return body.data.deletionObligationsByVendor;
}

const numberIn = async (selector: string): Promise<number> =>
  Number((await page.locator(selector).innerText()).replace(/,/g, ''));

/**
 * The panel as a person sees it: scrolled to just under the sticky top bar (which would
 * otherwise cover its heading), then clipped to the panel.
 */
async function shootPanel(selector: string, name: string): Promise<void> {
  const panel = page.locator(selector);
  const bar = await page.locator('.topbar').boundingBox();
  const before = await panel.boundingBox();
  if (bar === null || before === null) throw new Error(`${selector} or the top bar is not shown`);
  await page.evaluate(`window.scrollBy(0, ${Math.round(before.y - bar.height - 16)})`);
  const box = await panel.boundingBox();
  if (box === null) throw new Error(`${selector} is not shown`);
  expect(box.y).toBeGreaterThanOrEqual(bar.height);
  expect(box.y + box.height).toBeLessThanOrEqual(1000);
  await page.screenshot({
    path: screenshotPath(name),
    clip: { x: box.x - 12, y: box.y - 12, width: box.width + 24, height: box.height + 24 },
  });
}

/** One attribute of every element the selector finds, in page order. */
async function attributes(selector: string, name: string): Promise<(string | null)[]> {
  const all = await page.locator(selector).all();
  return Promise.all(all.map((element) => element.getAttribute(name)));
}

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startDashboardServer({ alsoRecord: seedEvents(), demoRuns: 1 }),
    launchChromium(),
  ]);
}, 300000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

describe('deletion obligations per vendor beyond one page of requests', () => {
  it('should show a privacy officer the counts of every request, as the server counts them', async () => {
    const lines = await apiLines(server.tokens.officer);
    const archway = lines.find((l) => l.vendor.vendorId === ARCHWAY);
    expect(archway).toEqual({
      vendor: { vendorId: ARCHWAY },
      overdue: ARCHWAY_OVERDUE,
      open: DUE_LATER.size,
      fulfilled: PATIENTS / 10,
      exempt: 0,
    });
    expect(ARCHWAY_OVERDUE).toBeGreaterThan(200);

    await openPage(server.tokens.officer);
    await page.goto(`${server.dashboardUrl}#/deletion-requests`);
    const row = `#vendor-obligations tr[data-vendor="${ARCHWAY}"]`;
    await page.locator(row).waitFor({ timeout: 30000 });
    expect(await numberIn(`${row} td:nth-of-type(1)`)).toBe(ARCHWAY_OVERDUE);
    expect(await numberIn(`${row} td:nth-of-type(2)`)).toBe(DUE_LATER.size);
    // Every vendor with open or overdue obligations, in the server's order (most overdue first).
    const shown = await attributes('#vendor-obligations tbody tr', 'data-vendor');
    expect(shown).toEqual(
      lines.filter((l) => l.overdue + l.open > 0).map((l) => l.vendor.vendorId),
    );
    expect(await page.locator('#vendor-obligations').innerText()).not.toContain('Counted over');

    // The vendor's page says the same, though its table shows only the first requests.
    await page.goto(`${server.dashboardUrl}#/vendors/${ARCHWAY}`);
    await page.locator('#vendor-obligation-counts').waitFor({ timeout: 30000 });
    expect(await page.locator('#vendor-obligation-counts').innerText()).toBe(
      `${ARCHWAY_OVERDUE} overdue, ${DUE_LATER.size} open`,
    );
  });

  it('should show a vendor its own open and overdue obligations on its page, panel in full view', async () => {
    const token = server.mint('lumen-user', ['vendor'], LUMEN);
    expect(await apiLines(token)).toEqual([
      { vendor: { vendorId: LUMEN }, overdue: 3, open: 2, fulfilled: 0, exempt: 0 },
    ]);
    await openPage(token);
    await page.goto(`${server.dashboardUrl}#/vendors/${LUMEN}`);
    await page.locator('#vendor-deletion-obligations tbody tr').first().waitFor({ timeout: 30000 });
    expect(await page.locator('#vendor-obligation-counts').innerText()).toBe('3 overdue, 2 open');
    const statuses = await attributes('#vendor-deletion-obligations tbody tr', 'data-status');
    expect(statuses).toEqual(['OVERDUE', 'OVERDUE', 'OVERDUE', 'OPEN', 'OPEN']);
    expect(await page.content()).not.toContain('pp_');
    await shootPanel('#vendor-deletion-obligations', 'rights-vendor-obligations-panel');

    // Its deletion-requests page: only its own line, with the same counts.
    await page.goto(`${server.dashboardUrl}#/deletion-requests`);
    await page.locator('#vendor-obligations tbody tr').first().waitFor({ timeout: 30000 });
    expect(await attributes('#vendor-obligations tbody tr', 'data-vendor')).toEqual([LUMEN]);
    expect(await numberIn(`#vendor-obligations tr[data-vendor="${LUMEN}"] td:nth-of-type(1)`)).toBe(
      3,
    );
  });

  it('should have raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
