// s35-lost: messages Kafka deleted before the ingest read them, as an auditor meets them in
// a real headless Chromium: the overview's call to act says the ledger lacks events and links
// to the ledger page, which lists each loss (and each partition read again) with what
// happened and what to do in plain words, as the API gives them. A vendor sees neither.
// The gaps are written by the ingest's own writer (OffsetStore.movePosition).
import type { Page } from 'playwright-core';
import type { IngestGapsQuery } from '../../apps/dashboard/src/api/graphql-types.generated';
import { INGEST_GAPS } from '../../apps/dashboard/src/ledger/ingest-gaps.queries';
import { axeViolations, violationLines } from './axe-check';
import { DashboardSession } from './browser-session';
import { GAPS_TOPIC } from './dashboard-server';
import { cutTexts, overflowOf } from './page-overflow';

const session = DashboardSession.forSuite({
  demoRuns: 1,
  eventsPerRun: 200,
  positionMoves: [
    // The topic created again: partition 1 read again from its start, nothing lost.
    {
      partition: 1,
      cause: 'log_end_before_position',
      storedOffset: '6',
      resumedAt: '0',
      lost: 0,
      earliestOffset: '0',
      highWatermark: '2',
    },
    // Retention shorter than the ingest was behind: offsets 14-16 of partition 0.
    {
      partition: 0,
      cause: 'deleted_unread',
      storedOffset: '14',
      resumedAt: '17',
      lost: 3,
      earliestOffset: '17',
      highWatermark: '20',
    },
    {
      partition: 2,
      cause: 'deleted_unread',
      storedOffset: '1200',
      resumedAt: '2450',
      lost: 1250,
      earliestOffset: '2450',
      highWatermark: '2600',
    },
  ],
});
const { pageErrors } = session;
let page: Page;

type Gap = IngestGapsQuery['ingestGaps']['edges'][number]['node'];

interface ShownGap {
  kind: string | null;
  partition: string | null;
  cells: string[];
}

async function shownGaps(): Promise<ShownGap[]> {
  return Promise.all(
    (await page.locator('#ingest-gaps tbody tr').all()).map(async (tr) => ({
      kind: await tr.getAttribute('data-kind'),
      partition: await tr.getAttribute('data-partition'),
      cells: (await tr.locator('td').allInnerTexts()).map((text) => text.trim()),
    })),
  );
}

describe('messages lost to the ledger on the dashboard', () => {
  it('should call an auditor to act on the overview, with how many events the ledger lacks', async () => {
    page = await session.openAs(session.server.tokens.auditor);
    await session.waitForText('#ingest-gaps-notice', 'lost');
    const text = await page.locator('#ingest-gaps-notice').innerText();
    expect(text).toContain('1,253 messages');
    expect(text).toContain('2 partitions');
    expect(text).toMatch(/not in the ledger/);
    await page.locator('#ingest-gaps-notice a').click();
    await page.waitForURL(/#\/ledger$/);
  });

  it('should list each gap on the ledger page as the API gives it, in plain words', async () => {
    const answer = await session.graphql<IngestGapsQuery>(
      session.server.tokens.auditor,
      INGEST_GAPS,
      {
        first: 50,
      },
    );
    const gaps: Gap[] = answer.ingestGaps.edges.map((e) => e.node);
    await session.waitForText('#ingest-gaps-panel', 'Partition');
    const shown = await shownGaps();
    expect(shown.map((s) => [s.kind, s.partition])).toEqual(
      gaps.map((g) => [g.kind, String(g.partition)]),
    );
    expect(shown.map((s) => s.kind)).toEqual(['MESSAGES_LOST', 'MESSAGES_LOST', 'POSITION_RESET']);
    const [newest, older, reset] = shown;
    // When, where, what happened, what to do.
    expect(newest.cells[0].split('\n')).toEqual([
      `${gaps[0].noticedAt.slice(0, 16).replace('T', ' ')} UTC`,
      'Lost',
    ]);
    expect(reset.cells[0]).toContain('Read again');
    expect(newest.cells[1]).toContain(GAPS_TOPIC);
    expect(newest.cells[1]).toContain('Partition 2');
    expect(newest.cells[1]).toContain('offsets 1,200 to 2,449');
    expect(newest.cells[2]).toContain(
      '1,250 messages were deleted in Kafka before the ingest read them',
    );
    expect(newest.cells[2]).toContain('not in the ledger');
    expect(newest.cells[3]).toMatch(/re-send|republish/i);
    expect(newest.cells[3]).toContain('source system');
    expect(newest.cells[3]).toMatch(/ids make .* harmless/);
    expect(older.cells[1]).toContain('offsets 14 to 16');
    expect(older.cells[2]).toContain('3 messages');
    expect(reset.cells[2]).toMatch(/read the partition again from its start/);
    expect(reset.cells[2]).toMatch(/nothing was lost/i);
    expect(reset.cells[3]).toMatch(/nothing to do/i);
    await expect(page.locator('#ingest-gaps-panel .stat-value').first().innerText()).resolves.toBe(
      '1,253',
    );
    expect(await cutTexts(page.locator('#ingest-gaps td, #ingest-gaps td *'))).toEqual([]);
    const overflow = await overflowOf(page);
    expect(overflow.tooWide).toEqual([]);
    expect(overflow.scrolled).toEqual([]);
    expect(violationLines('ledger page with gaps', await axeViolations(page))).toEqual([]);
    await session.shoot('ledger-ingest-gaps', '#ingest-gaps-panel');
  });

  it('should show a vendor neither the call to act nor the gaps, and no error', async () => {
    page = await session.openAs(session.server.tokens.acme);
    await page.locator('#ledger-card .ledger-card .stats').waitFor();
    expect(await page.locator('#ingest-gaps-notice').innerText()).toBe('');
    await session.goToView('#/ledger');
    await session.waitForText('main h1', 'Ledger');
    await page.locator('#ledger-checks').waitFor();
    expect(await page.locator('#ingest-gaps-panel').count()).toBe(0);
    expect(await page.locator('main').innerText()).not.toMatch(/FORBIDDEN|not allowed|lost/i);
  });

  it('should have thrown nothing in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
