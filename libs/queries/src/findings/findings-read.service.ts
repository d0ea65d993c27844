import type { Viewer } from '@scantrail/access';
import { CursorCodec } from '../paging/cursor-codec';
import { pageSize, toPage, type Page, type PageArgs } from '../paging/page';
import { readSql } from '../sql/read-sql';
import { rows, type Queryable } from '../sql/queryable';
import type { FindingView } from '../views/read-views';

interface FindingRow {
  ledger_sequence: string;
  study_uid: string;
  code: string;
  vendor_id: string;
  event_id: string;
  occurred_at: Date;
  detail: string;
}

export interface FindingFilter {
  code?: string | null;
  vendorId?: string | null;
  studyInstanceUid?: string | null;
}

/** Identifies the findings of one disclosed (or transferred) study of one event. */
export interface EventStudyKey {
  ledgerSequence: number;
  studyInstanceUid: string;
}

export const eventStudyKey = (k: EventStudyKey): string =>
  `${k.ledgerSequence}\u0000${k.studyInstanceUid}`;

const CURSOR = new CursorCodec('findings', ['number', 'string', 'string'] as const);

const toView = (r: FindingRow): FindingView => ({
  code: r.code,
  studyInstanceUid: r.study_uid,
  vendorId: r.vendor_id,
  eventId: r.event_id,
  occurredAt: r.occurred_at,
  ledgerSequence: Number(r.ledger_sequence),
  detail: r.detail,
});

const cursorOf = (r: FindingRow): string =>
  CURSOR.encode([Number(r.ledger_sequence), r.study_uid, r.code]);

function after(args: PageArgs): [number | null, string | null, string | null] {
  return CURSOR.after(args.after) ?? [null, null, null];
}

/**
 * Findings as rm_findings holds them, in (ledgerSequence, studyInstanceUid, code) order.
 * A vendor-scoped viewer sees only findings whose vendorId is its own, and naming
 * another vendor is refused, so page counts never include other vendors' findings.
 */
export class FindingsReadService {
  constructor(private readonly db: Queryable) {}

  async page(viewer: Viewer, filter: FindingFilter, args: PageArgs): Promise<Page<FindingView>> {
    if (filter.vendorId !== null && filter.vendorId !== undefined) {
      viewer.requireVendor(filter.vendorId, 'vendorId');
    }
    const vendor = filter.vendorId ?? viewer.vendorScope ?? null;
    const size = pageSize(args.first);
    const filters = [filter.code ?? null, vendor, filter.studyInstanceUid ?? null];
    const fetched = await rows<FindingRow>(this.db, readSql('findings-page'), [
      ...filters,
      ...after(args),
      size + 1,
    ]);
    // Without a study filter the kept counts answer; a study's findings are few to count.
    const count = async (): Promise<number> =>
      filters[2] === null
        ? (
            await rows<{ n: number }>(this.db, readSql('findings-count-kept'), filters.slice(0, 2))
          )[0].n
        : (await rows<{ n: number }>(this.db, readSql('findings-count'), filters))[0].n;
    return toPage(fetched, size, cursorOf, toView, count);
  }

  /** One page per vendor, the same arguments for each (Vendor.findings, batched). */
  async pagesOfVendors(
    viewer: Viewer,
    vendorIds: readonly string[],
    args: PageArgs,
  ): Promise<Map<string, Page<FindingView>>> {
    for (const id of vendorIds) viewer.requireVendor(id, 'vendorId');
    const size = pageSize(args.first);
    const ids = [...new Set(vendorIds)];
    const [fetched, counted] = await Promise.all([
      rows<FindingRow & { page_vendor: string }>(this.db, readSql('vendor-findings-pages'), [
        ids,
        ...after(args),
        size + 1,
      ]),
      rows<{ vendor_id: string; n: number }>(this.db, readSql('vendor-findings-counts'), [ids]),
    ]);
    const counts = new Map(counted.map((c) => [c.vendor_id, c.n]));
    const pages = new Map<string, Page<FindingView>>();
    for (const id of ids) {
      const own = fetched.filter((r) => r.page_vendor === id);
      pages.set(id, toPage(own, size, cursorOf, toView, counts.get(id) ?? 0));
    }
    return pages;
  }

  /** Every finding on each study the viewer may see findings of. */
  async ofStudies(viewer: Viewer, uids: readonly string[]): Promise<Map<string, FindingView[]>> {
    const found = await rows<FindingRow>(this.db, readSql('findings-of-studies'), [
      [...new Set(uids)],
      viewer.vendorScope ?? null,
    ]);
    const result = new Map<string, FindingView[]>(uids.map((u) => [u, []]));
    for (const r of found) result.get(r.study_uid)?.push(toView(r));
    return result;
  }

  /** The findings of each (event, study) pair, keyed by eventStudyKey. */
  async ofEvents(
    viewer: Viewer,
    keys: readonly EventStudyKey[],
  ): Promise<Map<string, FindingView[]>> {
    const result = new Map<string, FindingView[]>(keys.map((k) => [eventStudyKey(k), []]));
    if (keys.length === 0) return result;
    const found = await rows<FindingRow>(this.db, readSql('findings-of-events'), [
      keys.map((k) => k.ledgerSequence),
      keys.map((k) => k.studyInstanceUid),
      viewer.vendorScope ?? null,
    ]);
    for (const r of found) {
      const view = toView(r);
      result.get(eventStudyKey(view))?.push(view);
    }
    return result;
  }

  /** Findings per code, unscoped (metrics are served to operators, not to viewers). */
  async countByCode(): Promise<Map<string, number>> {
    const counted = await rows<{ code: string; n: number }>(
      this.db,
      readSql('findings-by-code'),
      [],
    );
    return new Map(counted.map((c) => [c.code, c.n]));
  }
}
