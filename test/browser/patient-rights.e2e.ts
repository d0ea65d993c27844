import type { Page } from 'playwright-core';
import { DashboardSession, screenshotPath } from './browser-session';
import { cutTexts } from './page-overflow';

// The deletion-request and breach pages in a real (headless) Chromium against the API and
// the seeded demo ledger (its requests end fulfilled, open, overdue and exempt; its breach
// of a sub-processor holds onward transfers and de-identified copies): what a privacy
// officer and a vendor see, checked against the API's own answers and the files handed out.

const session = DashboardSession.forSuite();
const { pageErrors } = session;
let page: Page;

const DAY_MS = 86_400_000;

/** RFC 4180 rows of a CSV without quoted commas in the columns we read. */
function csvRows(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\r\n');
  const names = head.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(names.map((n, i) => [n, cells[i]]));
  });
}

/** The page's "Showing 1–n of N" total. */
async function pagerTotal(panelId: string): Promise<number> {
  const text = await page.locator(`#${panelId} .pager-summary`).innerText();
  return Number(/of ([\d,]+)/.exec(text)?.[1].replace(/,/g, '') ?? NaN);
}

interface ApiBreach {
  breachId: string;
  vendor: { vendorId: string };
  discoveredAt: string;
  studiesAffected: number;
  patientsToNotify: number;
  individualNoticeDeadline: string;
  hhsNoticeDeadline: string;
  mediaNoticeMayBeRequired: boolean;
}

/** Chosen from what the officer sees: a vendor with overdue obligations. */
let overdueVendor = '';
let overdueOfVendor = 0;

describe('deletion requests and breaches as a privacy officer', () => {
  beforeAll(async () => {
    page = await session.openPage({ acceptDownloads: true });
    await page.goto(`${session.server.dashboardUrl}#token=${session.server.tokens.officer}`);
    await session.waitForText('#who-role', 'Privacy officer');
  });
  afterAll(async () => {
    await session.context?.close();
  });

  it('should list overdue requests first, then open, then fulfilled, with obligations by holder', async () => {
    await page.getByRole('link', { name: 'Deletion requests' }).click();
    await page.locator('#requests-overdue tbody tr').first().waitFor();
    await page.locator('#requests-open tbody tr').first().waitFor();
    await page.locator('#requests-fulfilled tbody tr').first().waitFor();
    expect(await session.attributes('#request-lists > section', 'id')).toEqual([
      'requests-overdue',
      'requests-open',
      'requests-fulfilled',
    ]);
    for (const status of ['OVERDUE', 'OPEN', 'FULFILLED']) {
      const panel = `requests-${status.toLowerCase()}`;
      const shown = await session.attributes(`#${panel} tbody tr[data-request]`, 'data-status');
      expect(new Set(shown)).toEqual(new Set([status]));
      const api = await session.graphql<{ deletionRequests: { totalCount: number } }>(
        session.server.tokens.officer,
        'query($s: DeletionStatus) { deletionRequests(status: $s) { totalCount } }',
        { s: status },
      );
      expect(await pagerTotal(panel)).toBe(api.deletionRequests.totalCount);
    }
    // An overdue request names the holder that has not attested.
    await session.waitForText('#requests-overdue .holder-list li', 'overdue');

    const tally = page.locator('#vendor-obligations tbody tr');
    await tally.first().waitFor();
    overdueVendor = (await tally.first().getAttribute('data-vendor')) ?? '';
    overdueOfVendor = await session.numberIn(
      `#vendor-obligations tr[data-vendor="${overdueVendor}"] td:nth-of-type(1)`,
    );
    expect(overdueOfVendor).toBeGreaterThan(0);
    // The column has the room: "Northfield University Radiology R…" names no one.
    expect(await cutTexts(page.locator('#vendor-obligations tbody a'))).toEqual([]);
    await session.shoot('rights-01-deletion-requests');
    await page.screenshot({ path: screenshotPath('rights-01-deletion-requests-top') });
  });

  it('should show only fulfilled requests, exempt copies included, when filtered by status', async () => {
    await page.locator('#status-filter').selectOption('FULFILLED');
    await page.locator('#requests-fulfilled tbody tr').first().waitFor();
    expect(await session.attributes('#request-lists > section', 'id')).toEqual([
      'requests-fulfilled',
    ]);
    const details = page.locator('#requests-fulfilled details.obligation-details');
    for (let i = 0; i < (await details.count()); i++)
      await details.nth(i).locator('summary').click();
    const obligationStatuses = new Set(
      await session.attributes('#requests-fulfilled .compact-table [data-status]', 'data-status'),
    );
    // A fulfilled request: every holder attested, or held only a properly de-identified copy.
    expect(obligationStatuses).toEqual(new Set(['FULFILLED', 'EXEMPT']));
    // Each holder named whole, in its list and beside each study: "Nimbus Teleradiol…" and
    // "Stratus Storage G…" sent the privacy officer guessing which vendor to chase.
    expect(await cutTexts(page.locator('#requests-fulfilled a[href^="#/vendors/"]'))).toEqual([]);
    // Each summary counts what its table lists: "4 studies" over four holders' copies of
    // three studies, and "1 studies", misled.
    for (let i = 0; i < (await details.count()); i++) {
      const rows = await details.nth(i).locator('tbody tr').count();
      const studies = new Set(await details.nth(i).locator('tbody td:nth-child(2)').allInnerTexts())
        .size;
      expect(await details.nth(i).locator('summary').innerText()).toBe(
        `${rows} obligation${rows === 1 ? '' : 's'}, ${studies} stud${studies === 1 ? 'y' : 'ies'}`,
      );
    }
    await session.shoot('rights-02-fulfilled-with-exempt');
    await page.locator('#status-filter').selectOption('');
    await page.locator('#requests-overdue tbody tr').first().waitFor();
    // Each request's legal ground on a line of its own below its id, however short both are
    // ("del-00000064-2" and "CCPA 1798.105" once read "del-00000064-2CCPA 1798.105").
    const heads = page.locator('#requests-overdue tbody tr[data-request] > th');
    let stacked = 0;
    for (let i = 0; i < (await heads.count()); i++) {
      const ground = heads.nth(i).locator('div.muted');
      if ((await ground.count()) === 0) continue;
      const [idBox, groundBox] = [
        await heads.nth(i).locator('span.mono').boundingBox(),
        await ground.boundingBox(),
      ];
      expect(groundBox?.y ?? 0).toBeGreaterThanOrEqual((idBox?.y ?? 0) + (idBox?.height ?? 0) - 1);
      stacked += 1;
    }
    expect(stacked).toBeGreaterThanOrEqual(1);
  });

  it('should hand over the letter of an overdue request and the open obligations as the page shows them', async () => {
    const row = page.locator('#requests-overdue tbody tr[data-request]').first();
    const requestId = (await row.getAttribute('data-request')) ?? '';
    await row.locator('details summary').click();
    const onPage = await row.locator('.compact-table tbody tr').count();
    const letter = await session.downloadText(
      `#requests-overdue tr[data-request="${requestId}"] button[aria-label$="CSV"]`,
    );
    expect(letter.name).toBe(`deletion-request-${requestId}.csv`);
    const rows = csvRows(letter.text);
    expect(rows).toHaveLength(onPage);
    expect(new Set(rows.map((r) => r.request_status))).toEqual(new Set(['OVERDUE']));
    expect(rows.some((r) => r.status === 'OVERDUE' && r.deletion_attested === 'false')).toBe(true);

    const open = await session.downloadText('#open-obligations-csv');
    const obligations = csvRows(open.text);
    expect(new Set(obligations.map((o) => o.status))).toEqual(new Set(['OPEN', 'OVERDUE']));
    const ofVendor = obligations.filter(
      (o) => o.vendor_id === overdueVendor && o.status === 'OVERDUE',
    );
    expect(ofVendor).toHaveLength(overdueOfVendor);
    await session.waitForText('#rights-download-status', 'downloaded');
  });

  it('should show the open and overdue obligations of a vendor on its page', async () => {
    await session.goToView(`#/vendors/${encodeURIComponent(overdueVendor)}`);
    await page.locator('#vendor-deletion-obligations tbody tr').first().waitFor();
    const statuses = await session.attributes(
      '#vendor-deletion-obligations tbody tr',
      'data-status',
    );
    expect(statuses.filter((s) => s === 'OVERDUE')).toHaveLength(overdueOfVendor);
    // Overdue first.
    expect(statuses.lastIndexOf('OVERDUE')).toBeLessThan(
      statuses.includes('OPEN') ? statuses.indexOf('OPEN') : statuses.length,
    );
    await session.shoot('rights-03-vendor-obligations', '#vendor-deletion-obligations');
  });

  it('should show a breach with its impact, the three deadlines by the rules and affected studies by patient', async () => {
    await page.getByRole('link', { name: 'Breaches' }).click();
    await page.locator('#breaches tbody tr').first().waitFor();
    const { breaches } = await session.graphql<{ breaches: { edges: { node: ApiBreach }[] } }>(
      session.server.tokens.officer,
      `
        {
          breaches(first: 50) {
            edges {
              node {
                breachId
                vendor {
                  vendorId
                }
                discoveredAt
                studiesAffected
                patientsToNotify
                individualNoticeDeadline
                hhsNoticeDeadline
                mediaNoticeMayBeRequired
              }
            }
          }
        }
      `,
    );
    expect(await session.attributes('#breaches tbody tr', 'data-breach')).toEqual(
      breaches.edges.map((e) => e.node.breachId),
    );
    const breach = breaches.edges
      .map((e) => e.node)
      .find((b) => b.studiesAffected > 0) as ApiBreach;
    await page.locator(`#breaches tr[data-breach="${breach.breachId}"] a`).click();
    await page.locator('#affected-body tbody.patient-group').first().waitFor();

    // The deadlines as the rules give them, computed here from the discovery date.
    const discovered = Date.parse(breach.discoveredAt);
    const individual = new Date(discovered + 60 * DAY_MS);
    const year = new Date(discovered).getUTCFullYear();
    const hhs =
      breach.patientsToNotify >= 500
        ? individual
        : new Date(Date.UTC(year + 1, 0, 1) + 60 * DAY_MS - 1); // day 60 after Dec 31
    const shown = (at: Date): string => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    expect(
      await page.locator('#breach-deadlines tr[data-notice="individuals"] .deadline').innerText(),
    ).toBe(shown(individual));
    expect(
      await page.locator('#breach-deadlines tr[data-notice="hhs"] .deadline').innerText(),
    ).toBe(shown(hhs));
    expect(
      await page.locator('#breach-deadlines tr[data-notice="media"] .deadline').innerText(),
    ).toBe(
      breach.patientsToNotify > 500 ? `May be required: ${shown(individual)}` : 'Not required',
    );
    expect(await page.locator('#breach-counts').innerText()).toContain(
      String(breach.studiesAffected),
    );

    // Grouped by patient: one group per pseudonym, every study of the page in one group.
    const groups = await session.attributes('#affected-body tbody.patient-group', 'data-patient');
    expect(new Set(groups).size).toBe(groups.length);
    expect(groups.every((g) => g?.startsWith('pp_'))).toBe(true);
    const studies = await page.locator('#affected-body tr[data-study]').count();
    expect(studies).toBe(Math.min(50, breach.studiesAffected));
    await session.shoot('rights-04-breach');

    const worklist = csvRows((await session.downloadText('#breach-worklist-csv')).text);
    expect(worklist).toHaveLength(breach.studiesAffected);
    const copies = worklist.filter((w) => w.deidentified === 'true');
    expect(worklist.filter((w) => w.notification_required === 'false')).toEqual(copies);
    // The breach held de-identified copies: they need no notice, and the page says so where
    // it lists them (studies by uid, a page at a time).
    expect(copies.length).toBeGreaterThan(0);
    const copy = copies[0].study_instance_uid;
    while ((await page.locator(`#affected-body tr[data-study="${copy}"]`).count()) === 0) {
      await page.locator('#breach-affected .pager button', { hasText: 'Next' }).click();
      await page.locator('#affected-body[aria-busy]').waitFor({ state: 'detached' });
    }
    const copyRow = page.locator(`#affected-body tr[data-study="${copy}"]`);
    expect(await copyRow.innerText()).toContain('Properly de-identified');
    expect(await copyRow.innerText()).toContain('Not required');
    const summary = await session.downloadText('#breach-summary-pdf');
    expect(summary.text.startsWith('%PDF-')).toBe(true);
  });

  it('should have raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe('deletion requests and breaches as a vendor', () => {
  beforeAll(async () => {
    page = await session.openPage({ acceptDownloads: true });
  });
  afterAll(async () => {
    await session.context?.close();
  });

  it('should show a vendor only its own obligations, without letters or patients', async () => {
    const token = session.server.mint('vendor-user', ['vendor'], overdueVendor);
    await page.goto(`${session.server.dashboardUrl}#token=${token}`);
    await session.waitForText('#who-role', `Vendor ${overdueVendor}`);
    await session.goToView('#/deletion-requests');
    await page.locator('#requests-overdue tbody tr').first().waitFor();
    await page.locator('#vendor-obligations tbody tr').first().waitFor();
    expect(await session.attributes('#vendor-obligations tbody tr', 'data-vendor')).toEqual([
      overdueVendor,
    ]);
    expect(
      await session.numberIn(
        `#vendor-obligations tr[data-vendor="${overdueVendor}"] td:nth-of-type(1)`,
      ),
    ).toBe(overdueOfVendor);
    expect(new Set(await session.attributes('.holder-list li', 'data-vendor'))).toEqual(
      new Set([overdueVendor]),
    );
    expect(await page.locator('#open-obligations-csv, button[aria-label^="Letter"]').count()).toBe(
      0,
    );
    expect(await page.content()).not.toContain('pp_');
    // Each request's legal ground whole where the column has the room ("Washington My
    // Health …" said neither which law nor which state).
    expect(await cutTexts(page.locator('#request-lists tbody th[scope="row"] div'))).toEqual([]);
    await session.shoot('rights-05-vendor-deletion-requests');

    await session.goToView(`#/vendors/${encodeURIComponent(overdueVendor)}`);
    await page.locator('#vendor-deletion-obligations tbody tr').first().waitFor();
    const statuses = await session.attributes(
      '#vendor-deletion-obligations tbody tr',
      'data-status',
    );
    expect(statuses.filter((s) => s === 'OVERDUE')).toHaveLength(overdueOfVendor);
  });

  it('should show the breached vendor its own breach with patients hidden', async () => {
    const { breaches } = await session.graphql<{ breaches: { edges: { node: ApiBreach }[] } }>(
      session.server.tokens.officer,
      '{ breaches(first: 50) { edges { node { breachId vendor { vendorId } studiesAffected } } } }',
    );
    const breach = breaches.edges
      .map((e) => e.node)
      .find((b) => b.studiesAffected > 0) as ApiBreach;
    const own = breaches.edges.filter((e) => e.node.vendor.vendorId === breach.vendor.vendorId);
    const token = session.server.mint('breached-user', ['vendor'], breach.vendor.vendorId);
    await session.goToView(`#token=${token}`);
    await session.waitForText('#who-role', `Vendor ${breach.vendor.vendorId}`);
    await session.goToView('#/breaches');
    await page.locator('#breaches tbody tr').first().waitFor();
    expect(await session.attributes('#breaches tbody tr', 'data-breach')).toEqual(
      own.map((e) => e.node.breachId),
    );
    await session.goToView(`#/breaches/${encodeURIComponent(breach.breachId)}`);
    await page.locator('#affected-body tbody.patient-group').first().waitFor();
    await session.waitForText('#affected-body .group-row', 'Patients are not shown to vendors');
    expect(await page.locator('#breach-worklist-csv, #breach-summary-pdf').count()).toBe(0);
    expect(await page.content()).not.toContain('pp_');

    // Another vendor naming this breach is refused, and told so.
    await session.goToView(`#token=${session.server.tokens.acme}`);
    await session.waitForText('#who-role', 'Vendor ');
    await session.goToView(`#/breaches/${encodeURIComponent(breach.breachId)}`);
    await session.waitForText('.notice-forbidden', 'Not available with your access');
    expect(pageErrors).toEqual([]);
  });
});
