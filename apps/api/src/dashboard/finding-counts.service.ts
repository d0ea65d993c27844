import type { Viewer } from '@scantrail/access';
import { InvalidArgumentError, MAX_PAGE_SIZE, type Queryable } from '@scantrail/queries';

export interface FindingMonthCount {
  /** YYYY-MM of occurredAt, in UTC. */
  month: string;
  code: string;
  count: number;
}

export interface CodeFindingCount {
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

// The latest month with a finding (of the filter): a backward scan of the primary key.
const LATEST_MONTH_SQL = `
SELECT max(c.month) AS month
  FROM rm_findings_months c
 WHERE ($1::text IS NULL OR c.vendor_id = $1)
   AND ($2::text IS NULL OR c.code = $2)`;

// BY_MONTH_SQL from month $3 on: a range of the primary key, whatever the ledger's span.
export const MONTHS_FROM_SQL = `
SELECT c.month, c.code, sum(c.n)::int AS n
  FROM rm_findings_months c
 WHERE c.month >= $3::text
   AND ($1::text IS NULL OR c.vendor_id = $1)
   AND ($2::text IS NULL OR c.code = $2)
 GROUP BY c.month, c.code
 ORDER BY c.month, c.code COLLATE "C"`;

// Per code, over every month: the counts the findings worker keeps per (code, vendor).
const BY_CODE_SQL = `
SELECT c.code, sum(c.n)::int AS n
  FROM rm_findings_counts c
 WHERE ($1::text IS NULL OR c.vendor_id = $1)
 GROUP BY c.code
 ORDER BY c.code COLLATE "C"`;

/** The most months one answer of findingCountsByMonth covers when asked for the latest. */
export const MAX_LAST_MONTHS = 1200;

/** The month `months` before `month` (YYYY-MM). */
export function monthsBefore(month: string, months: number): string {
  const [year, m] = month.split('-').map(Number);
  const index = year * 12 + (m - 1) - months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

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

  /**
   * Findings per month and code; with `lastMonths`, only the months from `lastMonths - 1`
   * months before the latest month with a finding up to it (what a chart of that many months
   * shows), so the answer and its cost stay the same however many months the ledger spans.
   */
  async byMonth(
    viewer: Viewer,
    filter: { vendorId?: string | null; code?: string | null; lastMonths?: number | null },
  ): Promise<FindingMonthCount[]> {
    if (filter.vendorId !== null && filter.vendorId !== undefined) {
      viewer.requireVendor(filter.vendorId, 'vendorId');
    }
    const last = filter.lastMonths ?? null;
    if (last !== null && (!Number.isInteger(last) || last < 1 || last > MAX_LAST_MONTHS)) {
      throw new InvalidArgumentError(
        `lastMonths must be between 1 and ${MAX_LAST_MONTHS}, got ${last}`,
      );
    }
    const vendor = filter.vendorId ?? viewer.vendorScope ?? null;
    const code = filter.code ?? null;
    let found: { month: string; code: string; n: number }[];
    if (last === null) {
      found = (await this.db.query(BY_MONTH_SQL, [vendor, code])) as typeof found;
    } else {
      const [{ month }] = (await this.db.query(LATEST_MONTH_SQL, [vendor, code])) as {
        month: string | null;
      }[];
      // The bound is a parameter of its own statement, so the plan is a range of the key.
      found =
        month === null
          ? []
          : ((await this.db.query(MONTHS_FROM_SQL, [
              vendor,
              code,
              monthsBefore(month, last - 1),
            ])) as typeof found);
    }
    return found.map((r) => ({ month: r.month, code: r.code, count: r.n }));
  }

  /** Findings per code over every month (a chart's legend), under the same vendor scope. */
  async byCode(viewer: Viewer, filter: { vendorId?: string | null }): Promise<CodeFindingCount[]> {
    if (filter.vendorId !== null && filter.vendorId !== undefined) {
      viewer.requireVendor(filter.vendorId, 'vendorId');
    }
    const vendor = filter.vendorId ?? viewer.vendorScope ?? null;
    const found = (await this.db.query(BY_CODE_SQL, [vendor])) as { code: string; n: number }[];
    return found.map((r) => ({ code: r.code, count: r.n }));
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
