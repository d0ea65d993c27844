import type { Page } from 'playwright-core';
import { cloudEvent } from '@scantrail/contract/testing';
import {
  obligationPatientEvents,
  obligationTime,
  type ObligationWorld,
} from '../support/deletion-obligations.fixture';
import type { Connection } from '../scenario/graphql-client';
import { DashboardSession, screenshotPath } from './browser-session';

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
const WORLD: ObligationWorld = {
  tag: '88',
  uidPrefix: '2.25.880',
  host: ARCHWAY,
  onward: LUMEN,
  passedOn: (i) => AT_LUMEN.includes(i),
  attested: ATTESTED,
  dueBy: (i) => (DUE_LATER.has(i) ? '2030-01-31' : '2025-02-01'),
};

/**
 * A third vendor whose later requests are due sooner (two a day), one overdue among them:
 * more open requests than one page, so the soonest due is beyond the first 100 requests
 * made (the vendor page once sorted only those).
 */
const QUILL = 'vnd-quill';
const QUILL_PATIENTS = 130;
const QUILL_OVERDUE = 120;
const quillDue = (i: number): string =>
  i === QUILL_OVERDUE
    ? '2025-02-01'
    : new Date(Date.UTC(2030, 0, 1) + Math.floor((QUILL_PATIENTS - 1 - i) / 2) * 86_400_000)
        .toISOString()
        .slice(0, 10);
const QUILL_WORLD: ObligationWorld = {
  tag: '89',
  uidPrefix: '2.25.890',
  host: QUILL,
  onward: LUMEN,
  passedOn: () => false,
  attested: () => false,
  dueBy: quillDue,
};
const quillRequest = (i: number): string => `del-89-${String(i).padStart(4, '0')}`;
/** Quill's requests by due date, ties by request id: the order the vendor page must show. */
const QUILL_BY_DUE = Array.from({ length: QUILL_PATIENTS }, (_, i) => i)
  .sort((a, b) => quillDue(a).localeCompare(quillDue(b)) || a - b)
  .map(quillRequest);

function seedEvents(): object[] {
  const events: object[] = [
    cloudEvent(
      'org.scantrail.vendor.registered',
      { vendorId: ARCHWAY, name: 'Archway Archive Hosting', role: 'CLOUD_HOST' },
      { time: obligationTime(1, 0) },
    ),
    cloudEvent(
      'org.scantrail.vendor.registered',
      { vendorId: LUMEN, name: 'Lumen Radiology AI', role: 'AI_DEVELOPER' },
      { time: obligationTime(1, 0) },
    ),
  ];
  for (let i = 0; i < PATIENTS; i++) events.push(...obligationPatientEvents(WORLD, i));
  for (let i = 0; i < QUILL_PATIENTS; i++) events.push(...obligationPatientEvents(QUILL_WORLD, i));
  return events;
}

const session = DashboardSession.forSuite({ alsoRecord: seedEvents(), demoRuns: 1 });
const { pageErrors } = session;
let page: Page;

interface ObligationLine {
  vendor: { vendorId: string };
  overdue: number;
  open: number;
  fulfilled: number;
  exempt: number;
}

/** The API's own per-vendor counts, asked with the same token the page uses. */
async function apiLines(token: string): Promise<ObligationLine[]> {
  const data = await session.graphql<{ deletionObligationsByVendor: ObligationLine[] }>(
    token,
    '{ deletionObligationsByVendor { vendor { vendorId } overdue open fulfilled exempt } }',
  );
  return data.deletionObligationsByVendor;
}

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

describe('deletion obligations per vendor beyond one page of requests', () => {
  it('should show a privacy officer the counts of every request, as the server counts them', async () => {
    const lines = await apiLines(session.server.tokens.officer);
    const archway = lines.find((l) => l.vendor.vendorId === ARCHWAY);
    expect(archway).toEqual({
      vendor: { vendorId: ARCHWAY },
      overdue: ARCHWAY_OVERDUE,
      open: DUE_LATER.size,
      fulfilled: PATIENTS / 10,
      exempt: 0,
    });
    expect(ARCHWAY_OVERDUE).toBeGreaterThan(200);

    page = await session.openAs(session.server.tokens.officer);
    await page.goto(`${session.server.dashboardUrl}#/deletion-requests`);
    const row = `#vendor-obligations tr[data-vendor="${ARCHWAY}"]`;
    await page.locator(row).waitFor({ timeout: 30000 });
    expect(await session.numberIn(`${row} td:nth-of-type(1)`)).toBe(ARCHWAY_OVERDUE);
    expect(await session.numberIn(`${row} td:nth-of-type(2)`)).toBe(DUE_LATER.size);
    // Every vendor with open or overdue obligations, in the server's order (most overdue first).
    const shown = await session.attributes('#vendor-obligations tbody tr', 'data-vendor');
    expect(shown).toEqual(
      lines.filter((l) => l.overdue + l.open > 0).map((l) => l.vendor.vendorId),
    );
    expect(await page.locator('#vendor-obligations').innerText()).not.toContain('Counted over');

    // The vendor's page says the same, though its table shows only the first requests.
    await page.goto(`${session.server.dashboardUrl}#/vendors/${ARCHWAY}`);
    await page.locator('#vendor-obligation-counts').waitFor({ timeout: 30000 });
    expect(await page.locator('#vendor-obligation-counts').innerText()).toBe(
      `${ARCHWAY_OVERDUE} overdue, ${DUE_LATER.size} open`,
    );
  });

  it('should show a vendor its own open and overdue obligations on its page, panel in full view', async () => {
    const token = session.server.mint('lumen-user', ['vendor'], LUMEN);
    expect(await apiLines(token)).toEqual([
      { vendor: { vendorId: LUMEN }, overdue: 3, open: 2, fulfilled: 0, exempt: 0 },
    ]);
    page = await session.openAs(token);
    await page.goto(`${session.server.dashboardUrl}#/vendors/${LUMEN}`);
    await page.locator('#vendor-deletion-obligations tbody tr').first().waitFor({ timeout: 30000 });
    expect(await page.locator('#vendor-obligation-counts').innerText()).toBe('3 overdue, 2 open');
    const statuses = await session.attributes(
      '#vendor-deletion-obligations tbody tr',
      'data-status',
    );
    expect(statuses).toEqual(['OVERDUE', 'OVERDUE', 'OVERDUE', 'OPEN', 'OPEN']);
    expect(await page.content()).not.toContain('pp_');
    await shootPanel('#vendor-deletion-obligations', 'rights-vendor-obligations-panel');

    // Its deletion-requests page: only its own line, with the same counts.
    await page.goto(`${session.server.dashboardUrl}#/deletion-requests`);
    await page.locator('#vendor-obligations tbody tr').first().waitFor({ timeout: 30000 });
    expect(await session.attributes('#vendor-obligations tbody tr', 'data-vendor')).toEqual([
      LUMEN,
    ]);
    expect(
      await session.numberIn(`#vendor-obligations tr[data-vendor="${LUMEN}"] td:nth-of-type(1)`),
    ).toBe(3);
  });

  it("should page a vendor's open and overdue requests by due date on the server, keyset-paged", async () => {
    const query = `query($vendorId: String, $after: String) {
      deletionRequests(vendorId: $vendorId, orderBy: DUE_DATE, first: 50, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { requestId status } }
      } }`;
    type Answer = {
      deletionRequests: Connection<{ requestId: string; status: string }> & { totalCount: number };
    };
    const officer = session.server.tokens.officer;
    const ids: string[] = [];
    const cursors: (string | null)[] = [null];
    for (;;) {
      const { deletionRequests: page } = await session.graphql<Answer>(officer, query, {
        vendorId: QUILL,
        after: cursors[cursors.length - 1],
      });
      expect(page.totalCount).toBe(QUILL_PATIENTS);
      ids.push(...page.edges.map((e) => e.node.requestId));
      if (!page.pageInfo.hasNextPage || cursors.length > 10) break;
      cursors.push(page.pageInfo.endCursor);
    }
    expect(cursors.length).toBe(3);
    expect(ids).toEqual(QUILL_BY_DUE);
    expect(ids[0]).toBe(quillRequest(QUILL_OVERDUE));
    expect(ids[1]).toBe(quillRequest(QUILL_PATIENTS - 2));
    // The same cursor gives the same page again (stable keyset).
    const again = await session.graphql<Answer>(officer, query, {
      vendorId: QUILL,
      after: cursors[1],
    });
    expect(again.deletionRequests.edges.map((e) => e.node.requestId)).toEqual(ids.slice(50, 100));

    // A vendor reads its own in the same order, and may not name another.
    const quillToken = session.server.mint('quill-user', ['vendor'], QUILL);
    const own = await session.graphql<Answer>(quillToken, query, { vendorId: null, after: null });
    expect(own.deletionRequests.edges.map((e) => e.node.requestId)).toEqual(ids.slice(0, 50));
    const response = await fetch(`${session.server.origin}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${quillToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { vendorId: ARCHWAY, after: null } }),
    });
    const refused = (await response.json()) as {
      data: unknown;
      errors?: { extensions?: { code?: string } }[];
    };
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(refused)).not.toContain('del-88-');
  });

  it('should show a vendor its most urgent obligations first, beyond its first 100 requests', async () => {
    page = await session.openAs(session.server.mint('quill-user', ['vendor'], QUILL));
    await page.goto(`${session.server.dashboardUrl}#/vendors/${QUILL}`);
    await page.locator('#vendor-deletion-obligations tbody tr').first().waitFor({ timeout: 30000 });
    const requests = await session.attributes(
      '#vendor-deletion-obligations tbody tr',
      'data-request',
    );
    expect(requests).toEqual(QUILL_BY_DUE.slice(0, 100));
    const statuses = await session.attributes(
      '#vendor-deletion-obligations tbody tr',
      'data-status',
    );
    expect(statuses.slice(0, 3)).toEqual(['OVERDUE', 'OPEN', 'OPEN']);
    expect(await page.locator('#vendor-deletion-obligations').innerText()).toContain(
      `100 most urgent of ${QUILL_PATIENTS} requests`,
    );
  });

  it("should list a privacy officer's open requests soonest due first on the Deletion requests page", async () => {
    const officer = session.server.tokens.officer;
    const order = (orderBy: string) =>
      session.graphql<{ deletionRequests: { edges: { node: { requestId: string } }[] } }>(
        officer,
        `query($o: DeletionRequestOrder) {
          deletionRequests(status: OPEN, orderBy: $o, first: 50) { edges { node { requestId } } } }`,
        { o: orderBy },
      );
    const byDue = (await order('DUE_DATE')).deletionRequests.edges.map((e) => e.node.requestId);
    const byRequest = (await order('REQUESTED_AT')).deletionRequests.edges.map(
      (e) => e.node.requestId,
    );
    // Quill's requests fall due in the reverse of the order they were made: the two differ.
    expect(byDue).not.toEqual(byRequest);
    page = await session.openAs(officer);
    await page.goto(`${session.server.dashboardUrl}#/deletion-requests`);
    await page.locator('#requests-open tbody tr[data-request]').first().waitFor({ timeout: 30000 });
    expect(
      await session.attributes('#requests-open tbody tr[data-request]', 'data-request'),
    ).toEqual(byDue);
    // The overdue panel, too: the most overdue first, as the server orders them.
    const overdue = await session.graphql<{
      deletionRequests: { edges: { node: { requestId: string } }[] };
    }>(
      officer,
      '{ deletionRequests(status: OVERDUE, orderBy: DUE_DATE, first: 50) { edges { node { requestId } } } }',
    );
    expect(
      await session.attributes('#requests-overdue tbody tr[data-request]', 'data-request'),
    ).toEqual(overdue.deletionRequests.edges.map((e) => e.node.requestId));
  });

  it('should have raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
