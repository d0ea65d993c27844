// s35-unrec: the PACS page listed the newest 500 sends the Orthanc bridges could not record
// and said how many more there were, with no way to see them. It now pages them all
// (bridgeUnrecordedSends) with the dashboard's shared pager, as a privacy officer meets it in
// a real headless Chromium: every send once, newest first, and the keyboard's focus kept on
// the pager when a page is turned. No Orthanc here: the sends are seeded in the bridge's table.
import type { Page } from 'playwright-core';
import type { BridgeUnrecordedSendsQuery } from '../../apps/dashboard/src/api/graphql-types.generated';
import { BRIDGE_UNRECORDED_SENDS } from '../../apps/dashboard/src/bridge/bridge-queries';
import { DashboardSession } from './browser-session';

const SENDS = 57;
const session = DashboardSession.forSuite({
  demoRuns: 1,
  eventsPerRun: 50,
  unrecordedSends: SENDS,
});
const { pageErrors } = session;
let page: Page;

const shownKeys = async (): Promise<(string | null)[]> =>
  Promise.all(
    (await page.locator('#unrecorded-sends tbody tr').all()).map((tr) =>
      tr.getAttribute('data-job-key'),
    ),
  );

describe('the sends not recorded, a page at a time', () => {
  it('should turn to the next page by keyboard, show the rest once each, and keep the focus on the pager', async () => {
    // The API's own order, all of them.
    const answer = await session.graphql<BridgeUnrecordedSendsQuery>(
      session.server.tokens.officer,
      BRIDGE_UNRECORDED_SENDS,
      { first: 100 },
    );
    const all = answer.bridgeUnrecordedSends.edges.map((e) => e.node.jobKey);
    expect(all).toHaveLength(SENDS);
    expect(all[0]).toBe(`job-${SENDS}`);

    page = await session.openAs(session.server.tokens.officer);
    await session.goToView('#/pacs');
    await session.waitForText('#pacs-unrecorded .pager-summary', `Showing 1–50 of ${SENDS}`);
    expect(await page.locator('#pacs-unrecorded .stat-value').innerText()).toBe(String(SENDS));
    const first = await shownKeys();
    expect(first).toEqual(all.slice(0, 50));

    await page.locator('#pacs-unrecorded .pager button', { hasText: 'Next' }).focus();
    await page.keyboard.press('Enter');
    await session.waitForText('#pacs-unrecorded .pager-summary', `Showing 51–${SENDS} of ${SENDS}`);
    expect(await shownKeys()).toEqual(all.slice(50));
    // Next is disabled on the last page: the focus is on Previous, not lost to the top.
    await page.waitForFunction(
      `(document.activeElement && document.activeElement.textContent || '').includes('Previous')`,
    );
    expect(
      await page.locator('#pacs-unrecorded .pager button', { hasText: 'Next' }).isDisabled(),
    ).toBe(true);

    await page.keyboard.press('Enter');
    await session.waitForText('#pacs-unrecorded .pager-summary', `Showing 1–50 of ${SENDS}`);
    expect(await shownKeys()).toEqual(first);
    expect(pageErrors).toEqual([]);
  });
});
