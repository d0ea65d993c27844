import fc from 'fast-check';
import { consentInForce, revokedBy } from './consent.rules';
import { ConsentsByTime } from './consents-by-time';
import type { ConsentFact } from './facts';
import { compareStrings } from './finding-order';
import { aPermit } from './testing/compliance-world.factory';

/** Times on a few instants, so that starts, ends, revocations and t often coincide. */
const instant = fc.integer({ min: 0, max: 8 });
const consents = fc.array(
  fc.record({
    consentId: fc.constantFrom('C1', 'C2', 'C3', 'C4', 'C5'),
    validFrom: instant,
    validUntil: fc.option(instant, { nil: undefined }),
    revokedAt: fc.option(instant, { nil: undefined }),
  }),
  { maxLength: 12 },
);
const facts = (generated: Partial<ConsentFact>[]): ConsentFact[] =>
  generated.map(({ validUntil, revokedAt, ...c }) => {
    const fact = aPermit(c);
    if (validUntil !== undefined) fact.validUntil = validUntil;
    if (revokedAt !== undefined) fact.revokedAt = revokedAt;
    return fact;
  });

/** The consent with the greatest time (ties: the smallest id), as the findings' details name it. */
const latest = (
  list: readonly ConsentFact[],
  time: (c: ConsentFact) => number,
): ConsentFact | undefined =>
  [...list].sort((a, b) => time(b) - time(a) || compareStrings(a.consentId, b.consentId))[0];

describe('ConsentsByTime', () => {
  it('should answer every time as asking each consent does, when starts, ends and revocations coincide', () => {
    fc.assert(
      fc.property(consents, fc.integer({ min: -1, max: 9 }), (generated, t) => {
        const list = facts(generated);
        const byTime = new ConsentsByTime(list);
        expect(byTime.standingAt(t)).toBe(
          list.some((c) => c.revokedAt === undefined && consentInForce(c, t)),
        );
        expect(new Set(byTime.inForceAt(t))).toEqual(
          new Set(list.filter((c) => consentInForce(c, t))),
        );
        const lapses = byTime.lapsesAt(t);
        const revoked = latest(
          list.filter((c) => c.validFrom <= t && revokedBy(c, t)),
          (c) => c.revokedAt ?? 0,
        );
        const expired = latest(
          list.filter((c) => c.validUntil !== undefined && c.validUntil < t),
          (c) => c.validUntil ?? 0,
        );
        expect([lapses.revoked?.consentId, lapses.revoked?.revokedAt]).toEqual([
          revoked?.consentId,
          revoked?.revokedAt,
        ]);
        expect([lapses.expired?.consentId, lapses.expired?.validUntil]).toEqual([
          expired?.consentId,
          expired?.validUntil,
        ]);
        expect(lapses.upcoming.map((c) => [c.validFrom, c.consentId])).toEqual(
          list
            .filter((c) => t < c.validFrom)
            .sort((a, b) => a.validFrom - b.validFrom || compareStrings(a.consentId, b.consentId))
            .map((c) => [c.validFrom, c.consentId]),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('should find the one consent in force among thousands revoked before, when a disclosure asks', () => {
    const revokedFirst = Array.from({ length: 5000 }, (_, n) =>
      aPermit({ consentId: `C${n}`, validFrom: 0, revokedAt: 10 + n }),
    );
    const relied = aPermit({ consentId: 'C-relied', validFrom: 0, revokedAt: 100_000 });
    const byTime = new ConsentsByTime([...revokedFirst, relied]);
    expect(byTime.standingAt(50_000)).toBe(false);
    expect(byTime.inForceAt(50_000)).toEqual([relied]);
    expect(byTime.lapsesAt(50_000).revoked?.consentId).toBe('C4999');
  });
});
