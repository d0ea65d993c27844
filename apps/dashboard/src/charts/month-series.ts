// Turns (month, code, count) rows into a continuous monthly series for a stacked chart.

export interface MonthCountRow {
  month: string;
  code: string;
  count: number;
}

export interface MonthColumn {
  month: string;
  total: number;
  /** Count per code, only codes that occur. */
  byCode: Map<string, number>;
}

const MONTH = /^(\d{4})-(\d{2})$/;

function nextMonth(month: string): string {
  const match = MONTH.exec(month);
  if (!match) return month;
  const [y, m] = [Number(match[1]), Number(match[2])];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** The most months a chart shows: the API is asked for these alone (findingCountsByMonth lastMonths). */
export const MAX_MONTHS = 240;

/** The month `delta` months after `month` (YYYY-MM; negative: before). */
function shiftMonth(month: string, delta: number): string {
  const match = MONTH.exec(month);
  if (!match) return month;
  const index = Number(match[1]) * 12 + Number(match[2]) - 1 + delta;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * Every month from the first to the last with a finding (empty months included), at most
 * the latest `maxMonths`. `earlierFindings`: the rows are only the latest `maxMonths` months
 * and findings exist before them, so the series spans all `maxMonths` (as it would over
 * every month), empty months at its start included.
 */
export function monthSeries(
  rows: readonly MonthCountRow[],
  maxMonths = MAX_MONTHS,
  earlierFindings = false,
): MonthColumn[] {
  const byMonth = new Map<string, Map<string, number>>();
  for (const row of rows) {
    if (!MONTH.test(row.month)) continue;
    const codes = byMonth.get(row.month) ?? new Map<string, number>();
    codes.set(row.code, (codes.get(row.code) ?? 0) + row.count);
    byMonth.set(row.month, codes);
  }
  const months = [...byMonth.keys()].sort();
  if (months.length === 0) return [];
  const columns: MonthColumn[] = [];
  const last = months[months.length - 1];
  // A long empty stretch would make bars too thin to see: keep only the latest months.
  let month = earlierFindings ? shiftMonth(last, 1 - maxMonths) : months[0];
  for (;;) {
    const byCode = byMonth.get(month) ?? new Map<string, number>();
    columns.push({ month, byCode, total: [...byCode.values()].reduce((a, b) => a + b, 0) });
    if (month === last) break;
    month = nextMonth(month);
  }
  return columns.slice(-maxMonths);
}

/** A round axis step so that about `ticks` steps cover `max`. */
export function niceStep(max: number, ticks = 4): number {
  if (max <= 0) return 1;
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? raw;
  return Math.max(1, step);
}

/** Totals per code, largest first. */
export function codeTotals<R extends { code: string; count: number }>(
  rows: readonly R[],
): [string, number][] {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.code, (totals.get(row.code) ?? 0) + row.count);
  return [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
