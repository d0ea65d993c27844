import type { ConsentFact } from './facts';
import { compareStrings } from './finding-order';

/**
 * Why no covering PERMIT was in force at t, as authorizationFinding reads it: the latest
 * revoked at or before t (and valid from then), the latest expired before t, and those
 * taking effect only after t (by validFrom, then id).
 */
export interface PermitLapses {
  revoked?: ConsentFact;
  expired?: ConsentFact;
  upcoming: readonly ConsentFact[];
}

/** Where a consent stops being in force: its validUntil (inclusive), else its revocation (exclusive). */
interface End {
  at: number;
  inclusive: boolean;
}

/**
 * One question's covering consents of one decision, arranged so that a disclosure at t asks
 * what it needs in time logarithmic in them, plus the consents its finding names. A study
 * disclosed thousands of times whose thousands of covering consents were revoked first
 * asked each disclosure about each consent (k² per round, 1.5 s at k = 8,000); here the
 * consents are sorted once per question, and every disclosure asking it shares them.
 */
export class ConsentsByTime {
  /** Every consent by validFrom, with a tree of the latest end under each node. */
  private readonly byStart: readonly ConsentFact[];
  private readonly ends: readonly End[];
  private readonly latestEnd: End[];
  private readonly size: number;
  /** The never-revoked consents by validFrom, with the latest validUntil of each prefix. */
  private readonly standingStarts: readonly number[];
  private readonly standingLatestEnd: readonly number[];
  /** Revoked at or after validFrom: by revocation; revoked before it: by validFrom. */
  private readonly revokedInForce: Ranked;
  private readonly revokedEarly: Ranked;
  private readonly expiring: Ranked;
  private readonly upcomingOrder: readonly ConsentFact[];

  constructor(consents: readonly ConsentFact[]) {
    this.byStart = [...consents].sort((a, b) => a.validFrom - b.validFrom);
    this.ends = this.byStart.map(endOf);
    this.size = 1;
    while (this.size < this.byStart.length) this.size *= 2;
    this.latestEnd = new Array<End>(2 * this.size).fill(NEVER);
    this.ends.forEach((end, i) => (this.latestEnd[this.size + i] = end));
    for (let node = this.size - 1; node >= 1; node -= 1) {
      this.latestEnd[node] = later(this.latestEnd[2 * node], this.latestEnd[2 * node + 1]);
    }
    const standing = this.byStart.filter((c) => c.revokedAt === undefined);
    this.standingStarts = standing.map((c) => c.validFrom);
    let latest = -Infinity;
    this.standingLatestEnd = standing.map(
      (c) => (latest = Math.max(latest, c.validUntil ?? Infinity)),
    );
    const revoked = consents.filter((c) => c.revokedAt !== undefined);
    const revokedAt = (c: ConsentFact): number => c.revokedAt ?? 0;
    this.revokedInForce = new Ranked(
      revoked.filter((c) => c.validFrom <= revokedAt(c)),
      revokedAt,
      revokedAt,
    );
    this.revokedEarly = new Ranked(
      revoked.filter((c) => c.validFrom > revokedAt(c)),
      (c) => c.validFrom,
      revokedAt,
    );
    const validUntil = (c: ConsentFact): number => c.validUntil ?? 0;
    this.expiring = new Ranked(
      consents.filter((c) => c.validUntil !== undefined),
      validUntil,
      validUntil,
    );
    this.upcomingOrder = [...consents].sort(
      (a, b) => a.validFrom - b.validFrom || compareStrings(a.consentId, b.consentId),
    );
  }

  /** Whether a never-revoked consent is in force at t. */
  standingAt(t: number): boolean {
    const n = countAtMost(this.standingStarts, t, (s) => s);
    return n > 0 && t <= this.standingLatestEnd[n - 1];
  }

  /** Every consent in force at t (consentInForce), in validFrom order. */
  inForceAt(t: number): ConsentFact[] {
    const found: ConsentFact[] = [];
    const started = countAtMost(this.byStart, t, (c) => c.validFrom);
    this.collect(1, 0, this.size, started, t, found);
    return found;
  }

  /** What authorizationFinding names when none is in force at t. */
  lapsesAt(t: number): PermitLapses {
    const early = this.revokedEarly.latestAtMost(t);
    const inForce = this.revokedInForce.latestAtMost(t);
    const revoked =
      early && inForce ? this.revokedInForce.better(early, inForce) : (early ?? inForce);
    const expired = this.expiring.latestBelow(t);
    const first = countAtMost(this.upcomingOrder, t, (c) => c.validFrom);
    const lapses: PermitLapses = { upcoming: this.upcomingOrder.slice(first) };
    if (revoked) lapses.revoked = revoked;
    if (expired) lapses.expired = expired;
    return lapses;
  }

  /** Leaves of `node` (covering [from, to)) among the first `started`, whose end reaches t. */
  private collect(
    node: number,
    from: number,
    to: number,
    started: number,
    t: number,
    found: ConsentFact[],
  ): void {
    if (from >= started || !reaches(this.latestEnd[node], t)) return;
    if (to - from === 1) {
      found.push(this.byStart[from]);
      return;
    }
    const middle = (from + to) / 2;
    this.collect(2 * node, from, middle, started, t, found);
    this.collect(2 * node + 1, middle, to, started, t, found);
  }
}

/**
 * Consents sorted by a key, with the best of each prefix by rank: the greatest rank, ties
 * the smallest id (`<`, as the detail's `latest` chose before).
 */
class Ranked {
  private readonly byKey: readonly ConsentFact[];
  private readonly best: readonly ConsentFact[];

  constructor(
    consents: readonly ConsentFact[],
    private readonly key: (c: ConsentFact) => number,
    private readonly rank: (c: ConsentFact) => number,
  ) {
    this.byKey = [...consents].sort((a, b) => key(a) - key(b));
    let best: ConsentFact | undefined;
    this.best = this.byKey.map((c) => (best = best === undefined ? c : this.better(best, c)));
  }

  better(a: ConsentFact, b: ConsentFact): ConsentFact {
    const ra = this.rank(a);
    const rb = this.rank(b);
    return rb > ra || (rb === ra && b.consentId < a.consentId) ? b : a;
  }

  /** The best of those whose key is at most t. */
  latestAtMost(t: number): ConsentFact | undefined {
    const n = countAtMost(this.byKey, t, this.key);
    return n > 0 ? this.best[n - 1] : undefined;
  }

  /** The best of those whose key is below t. */
  latestBelow(t: number): ConsentFact | undefined {
    const n = countBelow(this.byKey, t, this.key);
    return n > 0 ? this.best[n - 1] : undefined;
  }
}

const NEVER: End = { at: -Infinity, inclusive: false };

function endOf(c: ConsentFact): End {
  if (c.revokedAt !== undefined && (c.validUntil === undefined || c.revokedAt <= c.validUntil)) {
    return { at: c.revokedAt, inclusive: false };
  }
  return { at: c.validUntil ?? Infinity, inclusive: true };
}

function later(a: End, b: End): End {
  return b.at > a.at || (b.at === a.at && b.inclusive && !a.inclusive) ? b : a;
}

function reaches(end: End, t: number): boolean {
  return t < end.at || (end.inclusive && t === end.at);
}

/** How many of the sorted items have a key at most t. */
function countAtMost<T>(sorted: readonly T[], t: number, key: (item: T) => number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (key(sorted[middle]) <= t) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** How many of the sorted items have a key below t. */
function countBelow<T>(sorted: readonly T[], t: number, key: (item: T) => number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (key(sorted[middle]) < t) low = middle + 1;
    else high = middle;
  }
  return low;
}
