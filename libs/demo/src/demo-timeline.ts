// When the demo's events happen: spread over a span (two years by default) with the shape
// of a hospital's imaging traffic, so that "findings per month" has a history to show.
// Pure and deterministic: the same span and fraction always give the same instant.

export const DAY_MS = 86_400_000;
/** The demo's default span: two years of history. */
export const DEMO_SPAN_DAYS = 730;
/**
 * The default stream ends this many days before today (UTC): a few of its steps jump
 * ahead by up to three days (a vendor confirming a deletion later), and none should land
 * in the future.
 */
export const END_MARGIN_DAYS = 4;

/**
 * Relative traffic of one day: it grows (more than doubles over the span as more vendors
 * take images), dips in summer and over the year-end holidays, and is low at weekends.
 */
export function dayWeight(dayStartMs: number, spanStartMs: number, spanMs: number): number {
  const progress = spanMs > 0 ? (dayStartMs - spanStartMs) / spanMs : 0;
  const growth = 0.6 + 0.8 * progress;
  const day = new Date(dayStartMs);
  const dayOfYear = (dayStartMs - Date.UTC(day.getUTCFullYear(), 0, 1)) / DAY_MS;
  // Highest in late January, lowest in late July.
  const season = 1 + 0.2 * Math.cos((2 * Math.PI * (dayOfYear - 25)) / 365.25);
  const holidays = day.getUTCMonth() === 11 && day.getUTCDate() >= 22 ? 0.6 : 1;
  const weekday = day.getUTCDay();
  const week = weekday === 0 || weekday === 6 ? 0.35 : 1;
  return growth * season * holidays * week;
}

/** Where an instant falls within a day: most of a day's events come in working hours. */
function withinDay(r: number): number {
  const hour = 3_600_000;
  if (r < 0.08) return (r / 0.08) * 7 * hour; // 00:00-07:00: 8%
  if (r < 0.92) return 7 * hour + ((r - 0.08) / 0.84) * 12 * hour; // 07:00-19:00: 84%
  return 19 * hour + ((r - 0.92) / 0.08) * 5 * hour; // 19:00-24:00: 8%
}

/** The instants of a span, by the fraction of the stream told so far. */
export class DemoTimeline {
  readonly startMs: number;
  readonly endMs: number;
  /** cumulative[d]: the share of all traffic before day d (cumulative[days] = 1). */
  private readonly cumulative: number[];

  constructor(startMs: number, spanDays: number) {
    if (!Number.isFinite(startMs) || !(spanDays > 0)) {
      throw new Error(`a demo timeline needs a start and a positive span, got ${spanDays} days`);
    }
    const days = Math.ceil(spanDays);
    this.startMs = startMs;
    this.endMs = startMs + days * DAY_MS;
    const weights = Array.from({ length: days }, (_, d) =>
      dayWeight(startMs + d * DAY_MS, startMs, days * DAY_MS),
    );
    const total = weights.reduce((a, b) => a + b, 0);
    this.cumulative = [0];
    for (const w of weights)
      this.cumulative.push(this.cumulative[this.cumulative.length - 1] + w / total);
  }

  /** The instant by which `fraction` (0..1) of the stream's traffic has happened. */
  at(fraction: number): number {
    const f = Math.min(Math.max(fraction, 0), 1);
    let lo = 0;
    let hi = this.cumulative.length - 1;
    // The day d with cumulative[d] <= f < cumulative[d + 1].
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] <= f) lo = mid;
      else hi = mid;
    }
    const share = this.cumulative[lo + 1] - this.cumulative[lo];
    const r = share > 0 ? (f - this.cumulative[lo]) / share : 0;
    return Math.min(this.startMs + lo * DAY_MS + Math.floor(withinDay(r)), this.endMs);
  }
}
