// Issue 16's "first request" figures for bench:api: what a person waits for when nothing is
// warm yet. The dashboard's own GraphQL documents are sent (apps/dashboard/src/api), through
// its own client, so the figures follow the pages as they change.
import { demoEvents } from '@scantrail/demo';
import type { ConsumedBatch } from '@scantrail/kafka';
import type { DataSource } from 'typeorm';
import { benchRecorder, consumedMessage } from './bench-entries';
import { bridgeState } from '../../apps/dashboard/src/bridge/bridge-queries';
import {
  ledgerState,
  monthCounts,
  vendor,
  vendorCodeCounts,
  vendorsPage,
} from '../../apps/dashboard/src/api/dashboard-queries';
import type { ApiClient } from '../../apps/dashboard/src/api/graphql-client';
import {
  deletionRequestsPage,
  obligationsByVendor,
} from '../../apps/dashboard/src/patient-rights/patient-rights.queries';

/**
 * What the dashboard's query functions use of its client (`query`), for Node: the client
 * itself is built against the DOM's fetch types, which the server build does not load.
 */
export function dashboardClient(port: number, token: string): ApiClient {
  const client = {
    async query<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
      if (body.errors?.[0] !== undefined || body.data === undefined) {
        // Every error, whole: a figure that failed says why in full.
        throw new Error(`the API answered ${response.status}: ${JSON.stringify(body.errors)}`);
      }
      return body.data;
    },
  };
  return client as unknown as ApiClient;
}

/** Milliseconds `work` took, or NaN with the reason when it failed (a timeout, say). */
export interface Timed {
  ms: number;
  error?: string;
}

const elapsed = async (work: () => Promise<unknown>): Promise<Timed> => {
  const started = performance.now();
  try {
    await work();
    return { ms: performance.now() - started };
  } catch (error) {
    return { ms: NaN, error: (error as Error).message };
  }
};

/**
 * Milliseconds until every query of the overview page has answered, issued as the page
 * issues them: the month chart, the ledger card, the held-items notice, and the vendors
 * table (its page, then the finding counts of its vendors) all at once.
 */
export function overviewMs(api: ApiClient): Promise<Timed> {
  return elapsed(() =>
    Promise.all([
      monthCounts(api, null),
      ledgerState(api),
      bridgeState(api),
      vendorsPage(api, null).then((page) =>
        vendorCodeCounts(
          api,
          page.edges.map((e) => e.node.vendorId),
        ),
      ),
    ]),
  );
}

export interface GrowthFigures {
  /** Entries recorded by the growth. */
  recorded: number;
  /** The vendors list with statistics (first page), the first request after the growth. */
  vendorsList: Timed;
  /** One vendor's page (its statistics), the first request after the growth. */
  vendorPage: Timed;
  vendorId: string;
}

/**
 * Grows the ledger through the ingest path by `events` demo events of another seed (new
 * vendors, studies and disclosures), then times the first vendors list and vendor page.
 */
export async function vendorPagesAfterGrowth(
  db: DataSource,
  api: ApiClient,
  options: { origin: string; pseudonymKey: Buffer; events: number; seed: number },
): Promise<GrowthFigures> {
  const recorder = benchRecorder(db, {
    origin: options.origin,
    group: 'bench-api-growth',
    topic: `bench-api-growth-${Date.now()}`,
    pseudonymKey: options.pseudonymKey,
  });
  const batch: ConsumedBatch = {
    topic: 'bench-api-growth',
    partition: 0,
    messages: [...demoEvents({ events: options.events, seed: options.seed })].map((m, i) =>
      consumedMessage(m, i),
    ),
  };
  const { recorded } = await recorder.record(batch);
  const vendorsList = await elapsed(() => vendorsPage(api, null));
  // The vendor that received the most studies: the largest statistics to compute.
  const largest = await db.query<{ vendor_id: string }[]>(
    `SELECT vendor_id FROM rm_vendor_receipts GROUP BY vendor_id ORDER BY count(*) DESC LIMIT 1`,
  );
  const vendorId = largest[0]?.vendor_id ?? '';
  // Grow once more, so the vendor page is a first request after growth too.
  await recorder.record({
    ...batch,
    messages: batch.messages.map((m) => ({ ...m, offset: String(Number(m.offset) + 1e9) })),
  });
  const vendorPage = await elapsed(() => vendor(api, vendorId));
  return { recorded, vendorsList, vendorPage, vendorId };
}

export interface DeletionListFigures {
  /** Entries recorded by each of the two growths. */
  recorded: [number, number];
  /** The dashboard's deletion list filtered by status (OVERDUE), first call after the growth. */
  filteredFirst: Timed;
  /** The same call repeated (median of `repeats`). */
  filteredRepeated: Timed;
  /** deletionObligationsByVendor (the deletion page's and vendor page's panel), first call after another growth. */
  byVendorFirst: Timed;
  byVendorRepeated: Timed;
}

/** Median milliseconds of `times` calls of `work` one after another (NaN and the first error when one failed). */
async function repeated(work: () => Promise<unknown>, times: number): Promise<Timed> {
  const runs: Timed[] = [];
  for (let i = 0; i < times; i++) runs.push(await elapsed(work));
  const failed = runs.find((r) => r.error !== undefined);
  if (failed !== undefined) return failed;
  const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
  return { ms: sorted[Math.floor(sorted.length / 2)] };
}

/**
 * Issue 16's deletion lists after growth: the ledger grows through the ingest path (the
 * projection keeps the obligations of the requests each batch touches), then the dashboard's
 * deletion list filtered by status and, after another growth, deletionObligationsByVendor
 * are timed on their first call and repeated (`repeats` times, median), as of `asOf`.
 */
export async function deletionListsAfterGrowth(
  db: DataSource,
  api: ApiClient,
  options: {
    origin: string;
    pseudonymKey: Buffer;
    events: number;
    seed: number;
    asOf: string | null;
    repeats: number;
  },
): Promise<DeletionListFigures> {
  const recorder = benchRecorder(db, {
    origin: options.origin,
    group: 'bench-api-deletion-growth',
    topic: `bench-api-deletion-growth-${Date.now()}`,
    pseudonymKey: options.pseudonymKey,
  });
  const batch: ConsumedBatch = {
    topic: 'bench-api-deletion-growth',
    partition: 0,
    messages: [...demoEvents({ events: options.events, seed: options.seed })].map((m, i) =>
      consumedMessage(m, i),
    ),
  };
  const asOf = options.asOf ?? undefined;
  const filtered = (): Promise<unknown> =>
    deletionRequestsPage(api, { status: 'OVERDUE', asOf }, null);
  const byVendor = (): Promise<unknown> => obligationsByVendor(api, asOf);
  const { recorded } = await recorder.record(batch);
  const filteredFirst = await elapsed(filtered);
  const filteredRepeated = await repeated(filtered, options.repeats);
  // Another seed: the same events again would be duplicates, and the ledger would not grow.
  const more = await recorder.record({
    ...batch,
    messages: [...demoEvents({ events: options.events, seed: options.seed + 2 })].map((m, i) =>
      consumedMessage(m, i + 1e9),
    ),
  });
  const byVendorFirst = await elapsed(byVendor);
  const byVendorRepeated = await repeated(byVendor, options.repeats);
  return {
    recorded: [recorded, more.recorded],
    filteredFirst,
    filteredRepeated,
    byVendorFirst,
    byVendorRepeated,
  };
}
