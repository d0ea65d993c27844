import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { DashboardSession, screenshotPath } from './browser-session';
import type {
  DuplicateConflictsQuery,
  QuarantineQuery,
} from '../../apps/dashboard/src/api/graphql-types.generated';
import {
  DUPLICATE_CONFLICTS,
  QUARANTINE,
} from '../../apps/dashboard/src/quarantine/quarantine.document';

// What an auditor sees of the quarantine in a real headless Chromium: the refused messages
// page by page as the API gives them (pages end early at a small byte cap here), a row's
// details with the bytes exactly as the API gives them to the role, and markup in a
// refused message shown as text. Vendors get neither the link nor the rows.

const MRN = 'MRN-QP-40411';
const MARKUP = '<img src=x onerror=window.__quarantineXss=1>';

/** Refused by its schema (no modality); carries a patient identifier and markup. */
const markupEvent = {
  specversion: '1.0',
  id: MARKUP,
  source: 'urn:test:quarantine-page',
  type: 'org.scantrail.study.registered',
  time: '2024-05-01T00:00:00Z',
  data: {
    studyInstanceUid: '1.2.826.0.1.99.1',
    patient: { system: 'urn:oid:2.16.840.1.113883.3.7', value: MRN },
    bodyPart: 'HEAD',
    studyDate: '2024-05-01',
    facility: 'Radiology',
  },
};
/** Recorded, then re-sent under the same (source, id) with other content, markup in its id. */
const CONFLICT_ID = '<img src=x onerror=window.__conflictXss=1>';
const conflictFirst = {
  specversion: '1.0',
  id: CONFLICT_ID,
  source: 'urn:test:quarantine-page',
  type: 'org.scantrail.vendor.registered',
  time: '2024-05-01T00:00:00Z',
  data: { vendorId: 'vnd-reused-id', name: 'First', role: 'AI_DEVELOPER' },
};
const conflictRewrite = { ...conflictFirst, data: { ...conflictFirst.data, name: 'Rewritten' } };
/** Not JSON, not UTF-8: nothing of it can be redacted. */
const notJson = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x9c]), Buffer.from(MRN)]);
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

type QuarantinePage = QuarantineQuery['quarantine'];
type Row = QuarantinePage['edges'][number]['node'];

const session = DashboardSession.forSuite({
  demoRuns: 3,
  alsoRecord: [markupEvent, notJson, conflictFirst, conflictRewrite],
  // Small enough that pages end long before 50 rows.
  quarantinePageBytes: 6000,
});
const { pageErrors } = session;
let page: Page;

/** The API outside the browser, as `token`: the ground truth the page is checked against. */
async function quarantineAs(token: string, after: string | null): Promise<QuarantinePage> {
  const response = await fetch(`${session.server.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    // The very document the page sends, so the two are compared on the same fields.
    body: JSON.stringify({ query: QUARANTINE, variables: { first: 50, after } }),
  });
  const body = (await response.json()) as { data?: QuarantineQuery };
  if (!body.data) throw new Error(JSON.stringify(body));
  return body.data.quarantine;
}

interface ShownRow {
  coordinates: { topic: string | null; partition: string | null; offset: string | null };
  cells: string[];
}

async function shownRows(): Promise<ShownRow[]> {
  return Promise.all(
    (await page.locator('#quarantine-table tbody tr').all()).map(async (tr) => ({
      coordinates: {
        topic: await tr.getAttribute('data-topic'),
        partition: await tr.getAttribute('data-partition'),
        offset: await tr.getAttribute('data-offset'),
      },
      cells: (await tr.locator('td').allInnerTexts()).map((text) => text.trim()),
    })),
  );
}

function expectRowsAsApi(shown: ShownRow[], rows: Row[]): void {
  expect(shown.map((r) => r.coordinates)).toEqual(
    rows.map((r) => ({ topic: r.topic, partition: String(r.partition), offset: r.offset })),
  );
  rows.forEach((row, i) => {
    const [received, coordinates, reason, size, hash] = shown[i]?.cells ?? [];
    expect(received).toBe(`${row.receivedAt.slice(0, 16).replace('T', ' ')} UTC`);
    expect(coordinates).toBe(`${row.topic} / ${row.partition} / ${row.offset}`);
    expect(reason).toBe(row.reason);
    expect(size).toBe(`${row.byteLength.toLocaleString('en-US')} B`);
    expect(hash).toBe(row.sha256.slice(0, 12));
  });
}

const summary = (): Promise<string> => page.locator('#quarantine-panel .pager-summary').innerText();

beforeAll(async () => {
  page = await session.openPage();
});

describe('the quarantine page', () => {
  it('should list refused messages page by page as the API gives them to an auditor', async () => {
    const first = await quarantineAs(session.server.tokens.auditor, null);
    expect(first.totalCount).toBeGreaterThan(first.edges.length);
    expect(first.edges.length).toBeLessThan(50); // the byte cap ended the page early
    expect(first.pageInfo.hasNextPage).toBe(true);

    await page.goto(`${session.server.dashboardUrl}#token=${session.server.tokens.auditor}`);
    await page.locator('#who-role').filter({ hasText: 'Auditor' }).waitFor({ timeout: 30000 });
    await page.locator('#nav a', { hasText: 'Quarantine' }).click();
    await page.locator('#quarantine-table').waitFor({ timeout: 30000 });
    expect(page.url()).toContain('#/quarantine');
    expectRowsAsApi(
      await shownRows(),
      first.edges.map((e) => e.node),
    );
    const total = first.totalCount.toLocaleString('en-US');
    expect(await summary()).toBe(`Showing 1–${first.edges.length} of ${total}`);
    await page.screenshot({ path: screenshotPath('quarantine-01-first-page'), fullPage: true });

    // Next page: counted from the rows really shown, not from 50 per page.
    const second = await quarantineAs(session.server.tokens.auditor, first.pageInfo.endCursor);
    await page.locator('#quarantine-panel .pager button', { hasText: 'Next' }).click();
    const from = first.edges.length + 1;
    const to = first.edges.length + second.edges.length;
    await page
      .locator('#quarantine-panel .pager-summary', { hasText: `Showing ${from}–${to} of ${total}` })
      .waitFor({ timeout: 30000 });
    expectRowsAsApi(
      await shownRows(),
      second.edges.map((e) => e.node),
    );

    await page.locator('#quarantine-panel .pager button', { hasText: 'Previous' }).click();
    await page
      .locator('#quarantine-panel .pager-summary', {
        hasText: `Showing 1–${first.edges.length} of ${total}`,
      })
      .waitFor({ timeout: 30000 });
    expect(pageErrors).toEqual([]);
  });

  it("should show a row's bytes as the API gives them, markup as text and withheld bytes not at all", async () => {
    const rows = (await quarantineAs(session.server.tokens.auditor, null)).edges.map((e) => e.node);
    const markupRow = rows.find(
      (r) => r.sha256 === sha256(Buffer.from(JSON.stringify(markupEvent))),
    );
    const withheldRow = rows.find((r) => r.sha256 === sha256(notJson));
    expect(markupRow?.rawForm).toBe('REDACTED_JSON');
    expect(withheldRow?.rawForm).toBe('WITHHELD');
    if (!markupRow || !withheldRow) return;

    await page.goto(`${session.server.dashboardUrl}#/quarantine`);
    const open = async (row: Row): Promise<void> => {
      await page
        .locator(`#quarantine-table tr[data-offset="${row.offset}"][data-topic="${row.topic}"]`)
        .getByRole('button', { name: /Details/ })
        .click();
      await page
        .locator('#quarantine-details h2', {
          hasText: `${row.topic} / ${row.partition} / ${row.offset}`,
        })
        .waitFor({ timeout: 30000 });
    };

    await open(markupRow);
    const raw = page.locator('#quarantine-raw');
    // Exactly the redacted JSON the API sent, as text: the markup is not an element.
    expect(await raw.innerText()).toBe(Buffer.from(markupRow.rawBase64, 'base64').toString('utf8'));
    expect(await raw.innerText()).toContain(MARKUP);
    expect(await raw.innerText()).not.toContain(MRN);
    expect(await page.locator('#quarantine-details img').count()).toBe(0);
    expect(
      await page.evaluate(() => (globalThis as { __quarantineXss?: number }).__quarantineXss),
    ).toBe(undefined);
    const facts = await page.locator('#quarantine-details dl').innerText();
    expect(facts).toContain(markupRow.sha256);
    expect(facts).toContain(markupRow.reason);
    expect(facts).toContain('Redacted JSON');
    // From the top, so the sticky header does not sit over the table in the full-page image.
    await page.evaluate(() =>
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
    );
    await page.screenshot({ path: screenshotPath('quarantine-02-details'), fullPage: true });

    await open(withheldRow);
    expect(await page.locator('#quarantine-raw').count()).toBe(0);
    expect(await page.locator('#quarantine-raw-withheld').innerText()).toContain('Not shown');
    expect(await page.locator('#quarantine-details').innerText()).not.toContain(MRN);
    expect(pageErrors).toEqual([]);
  });

  it('should show a privacy officer the bytes as received, in hex when they are not text', async () => {
    const rows = (await quarantineAs(session.server.tokens.officer, null)).edges.map((e) => e.node);
    const row = rows.find((r) => r.sha256 === sha256(notJson));
    expect(row?.rawForm).toBe('AS_RECEIVED');
    if (!row) return;
    await page.goto(`${session.server.dashboardUrl}#token=${session.server.tokens.officer}`);
    await page.locator('#who-role').filter({ hasText: 'Privacy officer' }).waitFor();
    await page.goto(`${session.server.dashboardUrl}#/quarantine`);
    await page
      .locator(`#quarantine-table tr[data-offset="${row.offset}"][data-topic="${row.topic}"]`)
      .getByRole('button', { name: /Details/ })
      .click();
    const raw = page.locator('#quarantine-raw');
    await raw.waitFor({ timeout: 30000 });
    expect(await raw.getAttribute('data-display')).toBe('hex');
    const hex = [...Buffer.from(row.rawBase64, 'base64')]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(' ');
    expect((await raw.innerText()).replace(/^[0-9a-f]{8} {2}/gm, '').replace(/\n/g, ' ')).toBe(hex);
  });

  it('should show the re-used event ids as the API gives them, markup in an id as text', async () => {
    const response = await fetch(`${session.server.origin}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${session.server.tokens.auditor}`,
      },
      body: JSON.stringify({ query: DUPLICATE_CONFLICTS, variables: { first: 50, after: null } }),
    });
    const api = ((await response.json()) as { data: DuplicateConflictsQuery }).data
      .duplicateConflicts;
    const rewrite = api.edges.find((e) => e.node.eventId === CONFLICT_ID)?.node;
    expect(rewrite).toBeDefined();
    expect(rewrite?.payloadDigest).toBe(sha256(Buffer.from(JSON.stringify(conflictRewrite))));

    await page.goto(`${session.server.dashboardUrl}#token=${session.server.tokens.auditor}`);
    await page.locator('#who-role').filter({ hasText: 'Auditor' }).waitFor({ timeout: 30000 });
    await page.goto(`${session.server.dashboardUrl}#/quarantine`);
    await page.locator('#conflicts-table').waitFor({ timeout: 30000 });
    const rows = page.locator('#conflicts-table tbody tr');
    expect(await rows.count()).toBe(api.edges.length);
    const row = page.locator(`#conflicts-table tbody tr[data-offset="${rewrite?.offset}"]`);
    const cells = (await row.locator('td').allInnerTexts()).map((t) => t.trim());
    expect(cells[1]).toBe(`urn:test:quarantine-page\n${CONFLICT_ID}`);
    expect(cells[3]).toBe(`sequence ${rewrite?.recordedSequence}`);
    expect(cells[5]).toBe(rewrite?.payloadDigest.slice(0, 12));
    expect(
      await page.evaluate(() => (globalThis as { __conflictXss?: number }).__conflictXss),
    ).toBe(undefined);
    await page
      .locator('#conflicts-panel')
      .screenshot({ path: screenshotPath('quarantine-03-conflicts') });
    expect(pageErrors).toEqual([]);
  });

  it('should offer a vendor neither the page nor its rows', async () => {
    await page.goto(`${session.server.dashboardUrl}#token=${session.server.tokens.acme}`);
    await page.locator('#who-role').filter({ hasText: 'Vendor' }).waitFor({ timeout: 30000 });
    expect(await page.locator('#nav a', { hasText: 'Quarantine' }).count()).toBe(0);
    // Typing the address: the API refuses, and the page says so without rows.
    await page.goto(`${session.server.dashboardUrl}#/quarantine`);
    await page.locator('#quarantine-panel .notice').waitFor({ timeout: 30000 });
    expect(await page.locator('#quarantine-table').count()).toBe(0);
    expect(await page.locator('#quarantine-panel').innerText()).not.toContain(MRN);
    await page.locator('#conflicts-panel .notice').waitFor({ timeout: 30000 });
    expect(await page.locator('#conflicts-table').count()).toBe(0);
  });
});
