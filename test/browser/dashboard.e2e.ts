import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { ACME, PATIENT_P, RESEARCH } from '../api/api-scenario';
import { DashboardSession } from './browser-session';
import { labelClashesOf } from './lineage-labels';

// The dashboard in a real (headless) Chromium against the API and a seeded ledger: what
// a privacy officer and a vendor actually see and can do.

const session = DashboardSession.forSuite();
const { pageErrors } = session;
let page: Page;

/** The contract's purposes and legal bases: field values, not words a privacy officer reads. */
const TERM_CODES =
  /\b(TREATMENT|PAYMENT|HEALTHCARE_OPERATIONS|QUALITY_IMPROVEMENT|RESEARCH|AI_TRAINING|AI_VALIDATION|PRODUCT_DEVELOPMENT|PUBLIC_HEALTH|REQUIRED_BY_LAW|PATIENT_AUTHORIZATION|DEIDENTIFIED|LIMITED_DATA_SET|IRB_WAIVER)\b/;
/** An instant as the API writes it (2024-12-10T16:07:23.423Z). */
const RAW_INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** An inline element's line boxes (one per line it spans). */
interface LineBoxes {
  getClientRects(): { length: number };
  textContent: string | null;
}

/** What of a chart's bar the page reads (the tests compile without the DOM's types). */
interface ChartBar {
  getAttribute(name: string): string | null;
  querySelector(selector: string): { textContent: string | null } | null;
}

describe('dashboard as a privacy officer', () => {
  beforeAll(async () => {
    page = await session.openPage({ acceptDownloads: true });
  });
  afterAll(async () => {
    await session.context?.close();
  });

  it('should serve the page without a token and keep /graphql behind one', async () => {
    const html = await fetch(session.server.dashboardUrl);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    const bare = await fetch(`${session.server.origin}/dashboard`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect((await fetch(`${session.server.dashboardUrl}app.js`)).status).toBe(200);
    expect((await fetch(`${session.server.dashboardUrl}..%2Fpackage.json`)).status).toBe(404);
    const graphql = await fetch(`${session.server.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ ledger { treeSize } }"}',
    });
    expect(graphql.status).toBe(401);
  });

  it('should refuse a bad token and sign in with a good one when pasted in the login box', async () => {
    await page.goto(session.server.dashboardUrl);
    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await session.waitForText('#login-status', 'not a token');

    await page.getByLabel('Access token').fill(session.server.tokens.officer);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#vendors-table tbody tr').first().waitFor();
    expect(await page.locator('#who-role').textContent()).toBe('Privacy officer');
  });

  it('should show vendors with counts per code, the chart and a verified ledger', async () => {
    const rows = page.locator('#vendors-table tbody tr');
    expect(await rows.count()).toBeGreaterThan(5);
    await session.waitForText(`#vendors-table tr[data-vendor="${ACME}"]`, 'Acme Imaging AI');
    expect(await page.locator('#vendors-table .chip').count()).toBeGreaterThan(5);
    expect(await page.locator('#findings-chart svg.chart g.bar rect').count()).toBeGreaterThan(5);
    // Each month named under the chart has its year written at or before it: a "Mar" after
    // "Dec" could be any later year. [month, year read from the axis] of each labelled bar:
    const labelled = await page.locator('#findings-chart g.bar').evaluateAll((bars: ChartBar[]) => {
      let year = '';
      return bars.flatMap((bar) => {
        year = bar.querySelector('text.tick.year')?.textContent ?? year;
        return bar.querySelector('text.tick:not(.year)')
          ? [[bar.getAttribute('data-month') ?? '', year]]
          : [];
      });
    });
    expect(labelled.length).toBeGreaterThan(5);
    expect(labelled.map(([month]) => month.slice(0, 4))).toEqual(labelled.map(([, year]) => year));
    await page.locator('#ledger-card [data-verified]').waitFor();
    expect(await page.locator('#ledger-card [data-verified]').getAttribute('data-verified')).toBe(
      'true',
    );
    await session.shoot('01-overview');
  });

  it('should page through a vendor findings with cursors when the vendor is opened', async () => {
    const rows = await page.locator('#vendors-table tbody tr').all();
    const counted = await Promise.all(
      rows.map(async (row) => ({
        id: (await row.getAttribute('data-vendor')) ?? '',
        findings: Number((await row.locator('td').nth(3).innerText()).replace(/,/g, '')),
      })),
    );
    const busiest = counted.sort((a, b) => b.findings - a.findings)[0].id;
    await page.locator(`#vendors-table tr[data-vendor="${busiest}"] a.vendor-link`).click();
    await page.locator('#vendor-findings tbody tr').first().waitFor();
    expect(await page.locator('#vendor-findings tbody tr').count()).toBe(50);
    const firstPageTop = await page
      .locator('#vendor-findings tbody tr')
      .first()
      .getAttribute('data-sequence');
    await session.waitForText('#vendor-findings .pager-summary', 'Showing 1–50 of');
    await session.shoot('02-vendor');

    await page.locator('#vendor-findings').getByRole('button', { name: 'Next →' }).click();
    await session.waitForText('#vendor-findings .pager-summary', 'Showing 51–');
    const secondPageTop = await page
      .locator('#vendor-findings tbody tr')
      .first()
      .getAttribute('data-sequence');
    expect(Number(secondPageTop)).toBeGreaterThan(Number(firstPageTop));
    await page.locator('#vendor-findings').getByRole('button', { name: '← Previous' }).click();
    await session.waitForText('#vendor-findings .pager-summary', 'Showing 1–50 of');
  });

  it("should write a finding's times and terms in words, and its code beside its title", async () => {
    // The vendor's first page of findings, as the paging test left it.
    const details = await page.locator('#vendor-findings td.detail').allInnerTexts();
    expect(details.length).toBe(50);
    expect(details.filter((d) => RAW_INSTANT.test(d))).toEqual([]);
    expect(details.filter((d) => TERM_CODES.test(d))).toEqual([]);
    // Each time as the When column writes it, the recorded instant kept in a title.
    const times = page.locator('#vendor-findings td.detail time');
    expect(await times.count()).toBeGreaterThan(0);
    expect(await times.first().innerText()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    expect(await times.first().getAttribute('title')).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    // A time is read on one line, never broken at a hyphen ("2025-" / "01-12 11:24 UTC").
    const split = await times.evaluateAll((all: LineBoxes[]) =>
      all.filter((t) => t.getClientRects().length > 1).map((t) => t.textContent),
    );
    expect(split).toEqual([]);
    // The code cell: the finding's title in words, and the code an auditor searches for.
    const codes = await page.locator('#vendor-findings tbody td.finding-code').allInnerTexts();
    expect(codes.length).toBe(50);
    for (const cell of codes) expect(cell).toMatch(/^[A-Z][a-z -]+\s+[A-Z_]+$/);
    expect(codes.some((cell) => /No agreement\s+NO_AGREEMENT/.test(cell))).toBe(true);
    // The vendor by the name its page shows ("Recipient Acme Imaging AI had no agreement"),
    // its id kept in a title: an id is not what a privacy officer calls a vendor.
    const name = await page.locator('main h1').innerText();
    const vendorId = await page.locator('main p.lead .mono').first().innerText();
    expect(name).not.toBe(vendorId);
    expect(details.filter((d) => d.includes(vendorId))).toEqual([]);
    expect(details.filter((d) => d.startsWith(`Recipient ${name} had no agreement`)).length).toBe(
      codes.filter((cell) => /NO_AGREEMENT$/.test(cell)).length,
    );
    const named = page.locator('#vendor-findings td.detail [data-vendor-id]');
    expect(await named.count()).toBeGreaterThan(0);
    expect(new Set(await named.allInnerTexts())).toEqual(new Set([name]));
    expect(
      new Set(await session.attributes('#vendor-findings td.detail [data-vendor-id]', 'title')),
    ).toEqual(new Set([`${name} (${vendorId})`]));
    await session.shoot('02-vendor-findings-words', '#vendor-findings');
  });

  it('should draw the lineage graph when following a finding', async () => {
    await page.locator('#vendor-findings a.lineage-link').first().click();
    await page.locator('#lineage-graph svg.lineage').waitFor();
    const nodes = await page.locator('#lineage-graph g.node').count();
    const edges = await page.locator('#lineage-graph g.edge').count();
    expect(nodes).toBeGreaterThanOrEqual(2);
    expect(edges).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#lineage-graph g.edge.highlight').count()).toBeGreaterThanOrEqual(1);
    expect(
      await page.locator('#lineage-graph g.node[data-kind="VENDOR"]').count(),
    ).toBeGreaterThanOrEqual(1);
    // Every edge is arrowed and its tooltip carries when and where in the ledger.
    const title = await page.locator('#lineage-graph g.edge > title').first().textContent();
    expect(title).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC · ledger #\d+/);
    expect(await page.locator('#lineage-edges tbody tr').count()).toBeGreaterThanOrEqual(edges);
    // Kinds in words (DISCLOSED, MEMBER_OF are the API's values), in the table, on the
    // arrows and in the legend; the code kept in a title.
    const kinds = await page.locator('#lineage-edges tbody td.edge-kind-cell').allInnerTexts();
    expect(kinds.length).toBeGreaterThanOrEqual(edges);
    expect(kinds.filter((k) => /^[A-Z_]+$/.test(k))).toEqual([]);
    expect(kinds).toContain('Disclosed');
    expect(await page.locator('#lineage-edges [title="DISCLOSED"]').count()).toBeGreaterThan(0);
    const arrows = await page.locator('#lineage-graph text.edge-label').allTextContents();
    expect(arrows.filter((k) => /^[A-Z_]+( ×\d+)?$/.test(k))).toEqual([]);
    const legend = await page.locator('#lineage-graph .legend-label').allInnerTexts();
    expect(legend.filter((k) => /^[A-Z_]+$/.test(k))).toEqual([]);
    // This busy study's labels are readable: no line drawn over one, none on another or a node.
    const clashes = await labelClashesOf(page);
    expect(clashes.labels).toBeGreaterThan(5);
    expect(clashes).toEqual({ ...clashes, labelOnLabel: [], labelOnNode: [], lineOverLabel: [] });
    // The finding the user came from is marked among the study's findings.
    const sequence = new URL(page.url()).hash.match(/seq=(\d+)/)?.[1];
    await page.locator('#study-findings tbody tr').first().waitFor();
    const marked = await session.attributes('#study-findings tbody tr.highlight', 'data-sequence');
    expect(marked.length).toBeGreaterThanOrEqual(1);
    expect(new Set(marked)).toEqual(new Set([sequence]));
    // Vendors by the names the graph shows them by, the id below: "vnd-northfield-univ" is
    // not what a privacy officer calls Northfield University Radiology Research Lab.
    const vendorCells = await page
      .locator('#study-findings tbody td.finding-vendor')
      .allInnerTexts();
    expect(vendorCells.length).toBeGreaterThan(0);
    for (const cell of vendorCells) {
      const [name, id] = cell.split('\n');
      expect({ cell, named: name !== id && /^vnd-/.test(id ?? '') }).toEqual({ cell, named: true });
    }
    // The details name vendors as the graph does, the id in a title.
    const names = new Map(
      vendorCells.map((cell) => cell.split('\n')).map(([name, id]) => [id, name]),
    );
    const findingDetails = await page.locator('#study-findings tbody td.detail').allInnerTexts();
    for (const id of names.keys()) {
      expect(findingDetails.filter((d) => d.includes(id))).toEqual([]);
    }
    expect(findingDetails.some((d) => [...names.values()].some((n) => d.includes(n)))).toBe(true);
    const vendorId = new URL(page.url()).hash.match(/vendor=([^&]+)/)?.[1] ?? '';
    const notice = await page.locator('main .notice').first().innerText();
    expect(notice).toMatch(/on .+ \(vnd-[\w-]+\), ledger entry/);
    expect(notice).toContain(`(${decodeURIComponent(vendorId)})`);
    // The breadcrumb back to the vendor names it as its page does.
    const crumb = await page.locator('main nav.breadcrumb a[href^="#/vendors/"]').innerText();
    expect(crumb).not.toBe(decodeURIComponent(vendorId));
    expect(notice).toContain(`on ${crumb} (`);
    await session.shoot('03-lineage');
  });

  it('should trace a derivative chain across studies, datasets, vendors and models', async () => {
    await session.goToView('#/lineage/1.2.840.99.1');
    await page.locator('#lineage-graph svg.lineage').waitFor();
    const kinds = [
      ...new Set(await session.attributes('#lineage-graph g.node', 'data-kind')),
    ].sort();
    expect(kinds).toEqual(['DATASET', 'MODEL', 'STUDY', 'VENDOR']);
    const edgeKinds = [...new Set(await session.attributes('#lineage-graph g.edge', 'data-kind'))];
    expect(edgeKinds).toEqual(
      expect.arrayContaining([
        'DELETED',
        'DERIVED',
        'DISCLOSED',
        'MEMBER_OF',
        'ONWARD_TRANSFER',
        'TRAINED',
      ]),
    );
    // A transfer, a de-identified copy, a dataset and two vendors: every label readable.
    const clashes = await labelClashesOf(page);
    expect(clashes.labels).toBe(9);
    expect(clashes).toEqual({ ...clashes, labelOnLabel: [], labelOnNode: [], lineOverLabel: [] });
    await session.shoot('04-lineage-scenario');

    // A de-identified copy says how it was made in words, each DICOM method code beside them.
    await session.goToView('#/lineage/2.25.991');
    await page.locator('#lineage-graph svg.lineage').waitFor();
    const lead = await page.locator('main p.lead').first().innerText();
    expect(lead).toContain(
      'de-identified: Basic profile (113100), Clean pixel data (113101), ' +
        'Clean recognizable visual features (113102)',
    );
    await session.shoot('04-lineage-copy-methods', 'main p.lead');
  });

  it('should list a patient accounting of disclosures and download it as a PDF', async () => {
    await page.getByRole('link', { name: 'Patients' }).click();
    await page.getByLabel('Identifier system').fill(PATIENT_P.system);
    await page.getByLabel('Identifier', { exact: true }).fill(PATIENT_P.value);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator('#accounting-table tbody tr').first().waitFor();
    expect(await page.locator('#accounting-table tbody tr').count()).toBeGreaterThanOrEqual(4);
    await session.waitForText('#accounting-table', 'Research Partner University');
    // Each recipient's address on a line of its own below its name, however short both are
    // ("Cloud Host Inc" and "9 Server Rd" once read "Cloud Host Inc9 Server Rd").
    const cells = page.locator('#accounting-table tbody td:nth-child(2)');
    let stacked = 0;
    for (let i = 0; i < (await cells.count()); i++) {
      const [name, address] = [
        cells.nth(i).locator('div').nth(0),
        cells.nth(i).locator('div').nth(1),
      ];
      if ((await address.count()) === 0) continue;
      const [nameBox, addressBox] = [await name.boundingBox(), await address.boundingBox()];
      expect(addressBox?.y ?? 0).toBeGreaterThanOrEqual(
        (nameBox?.y ?? 0) + (nameBox?.height ?? 0) - 1,
      );
      stacked += 1;
    }
    expect(stacked).toBeGreaterThanOrEqual(3);
    // Purposes and legal bases in words ("AI_TRAINING", "PATIENT_AUTHORIZATION" are field
    // values, not what a privacy officer reads out to a patient), each code in a title.
    const purposes = await page.locator('#accounting-table tbody td:nth-child(4)').allInnerTexts();
    const bases = await page.locator('#accounting-table tbody td:nth-child(5)').allInnerTexts();
    expect(purposes).toContain('AI training');
    expect(bases).toContain('Patient’s authorization');
    expect([...purposes, ...bases].filter((words) => words === words.toUpperCase())).toEqual([]);
    expect(
      await page.locator('#accounting-table tbody td:nth-child(4) [title="AI_TRAINING"]').count(),
    ).toBeGreaterThan(0);
    await session.shoot('05-patient');

    const [download, request] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForRequest((r) => r.url().includes('/reports/accounting')),
      page.getByRole('button', { name: 'Download PDF' }).click(),
    ]);
    // The identifier travels in the body, never in the URL (proxies and logs keep URLs).
    expect(request.method()).toBe('POST');
    expect(request.url()).not.toContain(encodeURIComponent(PATIENT_P.value));
    expect(request.postData()).toContain(PATIENT_P.value);
    const file = await download.path();
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('should verify the checkpoint signature in the browser on the ledger page', async () => {
    await page.getByRole('link', { name: 'Ledger' }).click();
    await page.locator('#ledger-checks li').first().waitFor();
    expect(await page.locator('#ledger-checks li.ok').count()).toBe(3);
    expect(await page.locator('#ledger-checks li.bad').count()).toBe(0);
    await session.waitForText('#checkpoint-text', 'test.scantrail.local/ledger');
    await session.shoot('06-ledger');
  });

  it("should list a vendor's deletion obligations overdue first, then soonest due", async () => {
    // The API lists requests oldest first; find a vendor for which that is not due order.
    interface Requests {
      deletionRequests: { edges: { node: { dueBy: string; status: string } }[] };
    }
    const dueOrder = (rows: { dueBy: string; status: string }[]): string[] =>
      [...rows]
        .sort(
          (a, b) =>
            Number(b.status === 'OVERDUE') - Number(a.status === 'OVERDUE') ||
            a.dueBy.localeCompare(b.dueBy),
        )
        .map((r) => `${r.status} ${r.dueBy.slice(0, 10)}`);
    const { vendors } = await session.graphql<{
      vendors: { edges: { node: { vendorId: string } }[] };
    }>(session.server.tokens.officer, '{ vendors(first: 50) { edges { node { vendorId } } } }');
    let chosen: { vendorId: string; expected: string[] } | undefined;
    for (const { node } of vendors.edges) {
      const rows: { dueBy: string; status: string }[] = [];
      for (const status of ['OVERDUE', 'OPEN']) {
        const answer = await session.graphql<Requests>(
          session.server.tokens.officer,
          'query($v: String, $s: DeletionStatus) { deletionRequests(vendorId: $v, status: $s, first: 100) { edges { node { dueBy status obligations { status } } } } }',
          { v: node.vendorId, s: status },
        );
        rows.push(...answer.deletionRequests.edges.map((e) => e.node));
      }
      const asListed = rows.map((r) => `${r.status} ${r.dueBy.slice(0, 10)}`);
      const expected = dueOrder(rows);
      if (rows.length >= 3 && asListed.join() !== expected.join()) {
        chosen = { vendorId: node.vendorId, expected };
        break;
      }
    }
    expect(chosen).toBeDefined();
    await session.goToView(`#/vendors/${chosen?.vendorId ?? ''}`);
    const rows = page.locator('#vendor-deletion-obligations tbody tr');
    await rows.first().waitFor();
    const shown: string[] = [];
    for (const row of await rows.all()) {
      const status = (await row.getAttribute('data-status')) ?? '';
      shown.push(`${status} ${await row.locator('td.due-by time').innerText()}`);
      // How late, or how long is left, in days: what a date alone makes a reader work out.
      const dueIn = await row.locator('td.due-by .due-in').innerText();
      const days = Math.round(
        (Date.parse(`${shown[shown.length - 1].slice(-10)}T23:59:59.999Z`) - Date.now()) /
          86_400_000,
      );
      if (status === 'OVERDUE') {
        expect(dueIn).toMatch(/^\d+ days? overdue$/);
        expect(Math.abs(Number(dueIn.split(' ')[0]) + days)).toBeLessThanOrEqual(1);
      } else {
        expect(dueIn).toMatch(/^due (today|tomorrow|in \d+ days)$/);
      }
    }
    // One row per obligation (a request may hold several): the order, not the count, is asked.
    expect(shown).toEqual(
      [...shown].sort(
        (a, b) =>
          Number(b.startsWith('OVERDUE')) - Number(a.startsWith('OVERDUE')) ||
          a.slice(-10).localeCompare(b.slice(-10)),
      ),
    );
    expect([...new Set(shown)]).toEqual([...new Set(chosen?.expected)]);
    await session.shoot('09-vendor-obligations-by-due-date', '#vendor-deletion-obligations');
  });

  it('should have raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe('dashboard as a vendor', () => {
  beforeAll(async () => {
    page = await session.openPage({ acceptDownloads: true });
  });
  afterAll(async () => {
    await session.context?.close();
  });

  it('should sign in from a #token= link and show only the vendor itself', async () => {
    await page.goto(`${session.server.dashboardUrl}#token=${session.server.tokens.acme}`);
    await page.locator('#vendors-table tbody tr').first().waitFor();
    const vendors = await session.attributes('#vendors-table tbody tr', 'data-vendor');
    expect(vendors).toEqual([ACME]);
    // The token does not stay in the address bar.
    expect(page.url()).not.toContain('token=');
    await session.waitForText('#who-role', `Vendor ${ACME}`);
    expect(await page.locator('#nav').getByRole('link', { name: 'Patients' }).count()).toBe(0);
    await session.shoot('07-vendor-overview');
  });

  it('should show its own findings and explain instead of failing when it asks for more', async () => {
    await session.goToView(`#/vendors/${ACME}`);
    await page.locator('#vendor-findings tbody tr').first().waitFor();
    expect(await page.locator('#vendor-findings tbody tr').count()).toBe(3);
    // Its findings name it as its page does; the dashboard asks the API for no other name.
    const details = await page.locator('#vendor-findings td.detail').allInnerTexts();
    expect(details.filter((d) => d.includes(ACME))).toEqual([]);
    expect(details.some((d) => d.includes('Acme Imaging AI'))).toBe(true);

    await session.goToView('#/patients');
    await session.waitForText('.notice-forbidden', 'privacy officers and auditors');
    expect(await page.locator('#patient-form').count()).toBe(0);

    await session.goToView(`#/vendors/${RESEARCH}`);
    await session.waitForText('.notice-forbidden', 'Not available with your access');
    await session.shoot('08-vendor-forbidden');
    expect(pageErrors).toEqual([]);
  });
});

describe('dashboard as an auditor', () => {
  beforeAll(async () => {
    page = await session.openPage({ acceptDownloads: true });
  });
  afterAll(async () => {
    await session.context?.close();
  });

  it('should offer the patient lookup but not the PDF, which shows identifiers in clear', async () => {
    await page.goto(`${session.server.dashboardUrl}#token=${session.server.tokens.officer}`);
    await session.waitForText('#who-role', 'Privacy officer');
    // A second link in the same tab switches the session (a hash change, no reload).
    await session.goToView(`#token=${session.server.tokens.auditor}`);
    await session.waitForText('#who-role', 'Auditor');
    expect(page.url()).not.toContain('token=');
    await session.goToView('#/patients');
    await page.getByLabel('Identifier', { exact: true }).fill(PATIENT_P.value);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator('#accounting-table tbody tr').first().waitFor();
    expect(await page.locator('#download-pdf').count()).toBe(0);
    await session.waitForText('#pdf-unavailable', 'privacy officers only');
    expect(pageErrors).toEqual([]);
  });
});
