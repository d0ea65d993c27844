import type { Viewer } from '@scantrail/access';
import { InvalidArgumentError, MAX_PAGE_SIZE, type Queryable } from '@scantrail/queries';

export interface FindingMonthCount {
  /** YYYY-MM of occurredAt, in UTC. */
  month: string;
  code: string;
  count: number;
}

export interface VendorFindingCount {
  vendorId: string;
  code: string;
  count: number;
}

// Aggregates, so that the dashboard never pages through every finding to draw a chart
// or fill a table: the answer grows with months x codes, not with the ledger.
// Per month (of occurredAt, UTC) and code: the counts the findings worker keeps
// (rm_findings_months), summed over vendors unless one is named.
export const BY_MONTH_SQL = `
SELECT c.month, c.code, sum(c.n)::int AS n
  FROM rm_findings_months c
 WHERE ($1::text IS NULL OR c.vendor_id = $1)
   AND ($2::text IS NULL OR c.code = $2)
 GROUP BY c.month, c.code
 ORDER BY c.month, c.code COLLATE "C"`;

// Per vendor and code: the counts the findings worker keeps (rm_findings_counts, one row
// per code a vendor has findings of), so the overview's vendor table costs the same at
// any ledger size.
const BY_VENDOR_SQL = `
SELECT c.vendor_id, c.code, c.n
  FROM rm_findings_counts c
 WHERE c.vendor_id = ANY($1::text[])
 ORDER BY c.vendor_id COLLATE "C", c.code COLLATE "C"`;

/**
 * Counts of findings for the dashboard, under the same vendor scope as `findings`: a
 * vendor token counts only its own findings, and naming another vendor is FORBIDDEN.
 */
export class FindingCountsService {
  constructor(private readonly db: Queryable) {}

  async byMonth(
    viewer: Viewer,
    filter: { vendorId?: string | null; code?: string | null },
  ): Promise<FindingMonthCount[]> {
    if (filter.vendorId !== null && filter.vendorId !== undefined) {
      viewer.requireVendor(filter.vendorId, 'vendorId');
    }
    const vendor = filter.vendorId ?? viewer.vendorScope ?? null;
    const found = (await this.db.query(BY_MONTH_SQL, [vendor, filter.code ?? null])) as {
      month: string;
      code: string;
      n: number;
    }[];
    return found.map((r) => ({ month: r.month, code: r.code, count: r.n }));
  }

  async byVendor(viewer: Viewer, vendorIds: readonly string[]): Promise<VendorFindingCount[]> {
    if (vendorIds.length > MAX_PAGE_SIZE) {
      throw new InvalidArgumentError(
        `vendorIds: at most ${MAX_PAGE_SIZE} vendors at a time, got ${vendorIds.length}`,
      );
    }
    for (const id of vendorIds) viewer.requireVendor(id, 'vendorIds');
    if (vendorIds.length === 0) return [];
    const found = (await this.db.query(BY_VENDOR_SQL, [[...new Set(vendorIds)]])) as {
      vendor_id: string;
      code: string;
      n: number;
    }[];
    return found.map((r) => ({ vendorId: r.vendor_id, code: r.code, count: r.n }));
  }
}
