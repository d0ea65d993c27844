import fc from 'fast-check';
import {
  agreementAt,
  agreementChangeRegions,
  coalesceRegions,
  regionsBetween,
  type AgreementRegion,
  type AgreementSigning,
  type AgreementTermination,
} from './agreement-changes';
import { agreementVerdicts } from './agreement.findings';
import type { AgreementFact, DisclosureFact, Purpose, TransferFact } from './facts';
import { aDisclosure, anAgreement, aTransfer, day } from './testing/compliance-world.factory';

const PURPOSES: Purpose[] = ['RESEARCH', 'AI_TRAINING', 'PUBLIC_HEALTH'];
const VENDORS = ['V1', 'V2'];

/** Times on and around the bounds the agreements use (days 0 to 6, and a millisecond off). */
const time = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom(-1, 0, 1, 43_200_000))
  .map(([d, ms]) => day(d, ms));

const agreementState = (agreementId: string): fc.Arbitrary<AgreementFact> =>
  fc
    .record({
      vendorId: fc.constantFrom(...VENDORS),
      permittedPurposes: fc.subarray(PURPOSES, { minLength: 1 }),
      effectiveFrom: time,
      expiresAt: fc.option(time, { nil: undefined }),
      terminatedAt: fc.option(time, { nil: undefined }),
      allowsOnwardTransfer: fc.boolean(),
    })
    .map((a) => {
      const fact: AgreementFact = { agreementId, ...a };
      if (a.expiresAt === undefined) delete fact.expiresAt;
      if (a.terminatedAt === undefined) delete fact.terminatedAt;
      return fact;
    });

/** The same agreement in a second state: some of its fields changed, or none. */
const laterState = (a: AgreementFact): fc.Arbitrary<AgreementFact | undefined> =>
  fc.oneof(
    fc.constant(a),
    fc.constant(undefined),
    agreementState(a.agreementId),
    time.map((t) => ({ ...a, terminatedAt: Math.min(t, a.terminatedAt ?? Infinity) })),
    time.map((t) => ({ ...a, effectiveFrom: t })),
    fc.option(time, { nil: undefined }).map((t) => {
      const { expiresAt: _gone, ...rest } = a;
      return t === undefined ? rest : { ...rest, expiresAt: t };
    }),
    fc.subarray(PURPOSES, { minLength: 1 }).map((p) => ({ ...a, permittedPurposes: p })),
    fc.constant({ ...a, allowsOnwardTransfer: !a.allowsOnwardTransfer }),
  );

const events = fc.tuple(
  fc.array(
    fc.record({
      at: time,
      recipientVendorId: fc.constantFrom(...VENDORS),
      purpose: fc.constantFrom(...PURPOSES),
      legalBasis: fc.constantFrom<DisclosureFact['legalBasis']>(
        'IRB_WAIVER',
        'DEIDENTIFIED',
        'TREATMENT',
      ),
    }),
    { maxLength: 12 },
  ),
  fc.array(
    fc.record({
      at: time,
      fromVendorId: fc.constantFrom(...VENDORS),
      toVendorId: fc.constantFrom(...VENDORS),
      purpose: fc.constantFrom(...PURPOSES),
    }),
    { maxLength: 12 },
  ),
);

const inRegion = (r: AgreementRegion, at: number, purpose: Purpose | undefined): boolean =>
  (r.purposes === undefined || (purpose !== undefined && r.purposes.includes(purpose))) &&
  ((r.before !== undefined && at < r.before) || (r.since !== undefined && at >= r.since));

/** Whether any region holds the event (a disclosure: its recipient; a transfer: either side). */
function touched(regions: readonly AgreementRegion[], e: DisclosureFact | TransferFact): boolean {
  return regions.some((r) =>
    'recipientVendorId' in e
      ? r.side === 'recipient' && r.vendorId === e.recipientVendorId && inRegion(r, e.at, e.purpose)
      : (r.side === 'recipient' && r.vendorId === e.toVendorId && inRegion(r, e.at, e.purpose)) ||
        (r.side === 'sender' && r.vendorId === e.fromVendorId && inRegion(r, e.at, undefined)),
  );
}

describe('regionsBetween', () => {
  it('should leave every verdict and detail outside its regions as it was, whatever else the vendors hold', () => {
    // The narrowing the findings worker relies on: an event outside the regions of an
    // agreement's change keeps exactly its NO_AGREEMENT / UNAUTHORIZED_ONWARD_TRANSFER
    // verdict and detail; if the regions were too tight, some event here would differ.
    fc.assert(
      fc.property(
        agreementState('A1').chain((a) => fc.tuple(fc.constant(a), laterState(a))),
        fc.array(agreementState('A2'), { maxLength: 1 }),
        events,
        ([a, b], others, [disclosureParts, transferParts]) => {
          const disclosures = disclosureParts.map((d, i) =>
            aDisclosure({ ...d, eventId: `E-D${i}`, ledgerSequence: i, disclosureId: `D${i}` }),
          );
          const transfers = transferParts.map((t, i) =>
            aTransfer({ ...t, eventId: `E-T${i}`, ledgerSequence: 100 + i, transferId: `T${i}` }),
          );
          const verdicts = (state: AgreementFact | undefined) =>
            agreementVerdicts({
              agreements: state ? [state, ...others] : others,
              disclosures,
              transfers,
            });
          const regions = regionsBetween(a, b);
          const before = verdicts(a);
          const after = verdicts(b);
          const all = [...disclosures, ...transfers];
          before.forEach((v, i) => {
            if (!touched(regions, all[i])) expect(after[i]).toEqual(v);
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('should name nothing when the agreement did not change', () => {
    const a = anAgreement({ expiresAt: day(5), terminatedAt: day(4) });
    expect(regionsBetween(a, { ...a })).toEqual([]);
    expect(regionsBetween(undefined, undefined)).toEqual([]);
  });

  it('should name the times from the earlier termination when a termination comes', () => {
    const a = anAgreement({ permittedPurposes: ['RESEARCH'], allowsOnwardTransfer: true });
    expect(regionsBetween(a, { ...a, terminatedAt: day(4) })).toEqual([
      { vendorId: 'V1', side: 'recipient', purposes: ['RESEARCH'], since: day(4) },
      { vendorId: 'V1', side: 'sender', since: day(4) },
    ]);
  });

  it('should name the times before the later start when the start moved, and nothing else', () => {
    const a = anAgreement({ effectiveFrom: day(1), allowsOnwardTransfer: false });
    expect(regionsBetween(a, { ...a, effectiveFrom: day(3) })).toEqual([
      { vendorId: 'V1', side: 'recipient', purposes: ['RESEARCH'], before: day(3) },
    ]);
  });

  it('should name every event of both vendors when the agreement is new or moves to another vendor', () => {
    const a = anAgreement();
    const all = (vendorId: string) => [
      { vendorId, side: 'recipient', since: -Infinity },
      { vendorId, side: 'sender', since: -Infinity },
    ];
    expect(regionsBetween(undefined, a)).toEqual(all('V1'));
    expect(regionsBetween(a, { ...a, vendorId: 'V2' })).toEqual([...all('V1'), ...all('V2')]);
  });

  it('should name every time of a purpose granted in one state only', () => {
    const a = anAgreement({ permittedPurposes: ['RESEARCH'], allowsOnwardTransfer: false });
    expect(regionsBetween(a, { ...a, permittedPurposes: ['AI_TRAINING', 'RESEARCH'] })).toEqual([
      { vendorId: 'V1', side: 'recipient', purposes: ['AI_TRAINING'], since: -Infinity },
    ]);
  });
});

describe('agreementChangeRegions', () => {
  const signing = (
    ledgerSequence: number,
    eventTime: number,
    fields: Partial<AgreementFact> = {},
  ): AgreementSigning => {
    const { terminatedAt: _none, ...fact } = anAgreement(fields);
    return { ...fact, eventTime, ledgerSequence };
  };
  const termination = (ledgerSequence: number, terminatedAt: number): AgreementTermination => ({
    agreementId: 'A1',
    terminatedAt,
    ledgerSequence,
  });

  it('should take the latest signing by time, then sequence, with the earliest termination', () => {
    const signings = [
      signing(5, day(2), { effectiveFrom: day(1) }),
      signing(9, day(1), { effectiveFrom: day(3) }),
    ];
    const terminations = [termination(7, day(6)), termination(8, day(5))];
    expect(agreementAt(signings, terminations, 4)).toBeUndefined();
    expect(agreementAt(signings, terminations, 9)).toEqual({
      ...anAgreement({ effectiveFrom: day(1) }),
      terminatedAt: day(5),
    });
  });

  it('should name nothing for a signing older than the one that holds', () => {
    const signings = [
      signing(5, day(2), { effectiveFrom: day(1) }),
      signing(9, day(1), { effectiveFrom: day(3) }),
    ];
    expect(agreementChangeRegions(signings, [], 5)).toEqual([]);
  });

  it('should name each step since the position, so a state in between counts', () => {
    // Signed again with a later start, then back: the first and last states agree, but a
    // finding evaluated between the two signings rests on the middle one.
    const signings = [
      signing(1, day(0), { effectiveFrom: day(1), allowsOnwardTransfer: false }),
      signing(2, day(1), { effectiveFrom: day(3), allowsOnwardTransfer: false }),
      signing(3, day(2), { effectiveFrom: day(1), allowsOnwardTransfer: false }),
    ];
    const region = { vendorId: 'V1', side: 'recipient', purposes: ['RESEARCH'], before: day(3) };
    expect(agreementChangeRegions(signings, [], 1)).toEqual([region, region]);
    expect(agreementChangeRegions(signings, [], 3)).toEqual([]);
  });
});

describe('coalesceRegions', () => {
  const region: fc.Arbitrary<AgreementRegion> = fc
    .record({
      vendorId: fc.constantFrom(...VENDORS),
      side: fc.constantFrom<AgreementRegion['side']>('recipient', 'sender'),
      purposes: fc.option(fc.subarray(PURPOSES, { minLength: 1 }), { nil: undefined }),
      before: fc.option(time, { nil: undefined }),
      since: fc.option(fc.oneof(time, fc.constant(-Infinity)), { nil: undefined }),
    })
    .map((r) => {
      const kept: AgreementRegion = { vendorId: r.vendorId, side: r.side };
      if (r.purposes !== undefined) kept.purposes = r.purposes;
      if (r.before !== undefined) kept.before = r.before;
      if (r.since !== undefined) kept.since = r.since;
      return kept;
    });

  it('should hold every event the regions held, in at most the limit per vendor and side', () => {
    fc.assert(
      fc.property(
        fc.array(region, { maxLength: 30 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.tuple(fc.constantFrom(...VENDORS), time, fc.constantFrom(...PURPOSES))),
        (regions, limit, points) => {
          const coalesced = coalesceRegions(regions, limit);
          for (const [vendorId, at, purpose] of points) {
            for (const side of ['recipient', 'sender'] as const) {
              const holds = (rs: readonly AgreementRegion[]): boolean =>
                rs.some(
                  (r) =>
                    r.vendorId === vendorId &&
                    r.side === side &&
                    inRegion(r, at, side === 'sender' ? undefined : purpose),
                );
              if (holds(regions)) expect(holds(coalesced)).toBe(true);
            }
          }
          const perSide = new Map<string, number>();
          for (const r of coalesced) {
            const key = `${r.vendorId} ${r.side}`;
            perSide.set(key, (perSide.get(key) ?? 0) + 1);
          }
          for (const n of perSide.values()) expect(n).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('should read a vendor once per side when an agreement was signed again and again in one round', () => {
    const base = anAgreement({
      agreementId: 'A1',
      vendorId: 'V1',
      permittedPurposes: ['RESEARCH'],
    });
    const signings: AgreementSigning[] = Array.from({ length: 1000 }, (_, i) => ({
      ...base,
      // Alternating purposes and starts: every step names a region of its own.
      permittedPurposes: i % 2 === 0 ? ['RESEARCH'] : ['RESEARCH', 'AI_TRAINING'],
      effectiveFrom: day(i % 5),
      eventTime: day(10) + i,
      ledgerSequence: 100 + i,
    }));
    const steps = agreementChangeRegions(signings, [], 99);
    expect(steps.length).toBeGreaterThan(1000);
    const coalesced = coalesceRegions(steps);
    expect(coalesced.map((r) => [r.vendorId, r.side])).toEqual([
      ['V1', 'recipient'],
      ['V1', 'sender'],
    ]);
    expect(coalesced.every((r) => r.since === -Infinity && r.purposes === undefined)).toBe(true);
  });

  it('should keep a few distinct regions as they are, each once', () => {
    const a: AgreementRegion = {
      vendorId: 'V1',
      side: 'recipient',
      purposes: ['RESEARCH'],
      since: day(3),
    };
    const b: AgreementRegion = { vendorId: 'V1', side: 'recipient', before: day(1) };
    expect(coalesceRegions([a, b, { ...a, purposes: ['RESEARCH'] }, b])).toEqual([a, b]);
  });
});

describe('agreementChangeRegions in one pass', () => {
  /** The definition: agreementAt at the position and at every later step. */
  function stepByStep(
    signings: readonly AgreementSigning[],
    terminations: readonly AgreementTermination[],
    after: number,
  ): AgreementRegion[] {
    const steps = [
      ...new Set(
        [...signings, ...terminations].map((r) => r.ledgerSequence).filter((s) => s > after),
      ),
    ].sort((x, y) => x - y);
    const regions: AgreementRegion[] = [];
    let state = agreementAt(signings, terminations, after);
    for (const step of steps) {
      const next = agreementAt(signings, terminations, step);
      regions.push(...regionsBetween(state, next));
      state = next;
    }
    return regions;
  }

  const history = fc
    .array(
      fc.record({
        terminates: fc.boolean(),
        state: agreementState('A1'),
        eventTime: time,
        sequence: fc.integer({ min: 1, max: 30 }),
      }),
      { maxLength: 14 },
    )
    .map((records) => {
      // One record per sequence, as the ledger gives them.
      const seen = new Set<number>();
      const unique = records.filter((r) => !seen.has(r.sequence) && seen.add(r.sequence));
      return {
        signings: unique
          .filter((r) => !r.terminates)
          .map((r): AgreementSigning => {
            const { terminatedAt: _t, ...fact } = r.state;
            return { ...fact, eventTime: r.eventTime, ledgerSequence: r.sequence };
          }),
        terminations: unique
          .filter((r) => r.terminates)
          .map((r): AgreementTermination => ({
            agreementId: 'A1',
            terminatedAt: r.eventTime,
            ledgerSequence: r.sequence,
          })),
      };
    });

  it('should name the same regions as agreementAt at every step', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 31 }), ({ signings, terminations }, after) => {
        expect(agreementChangeRegions(signings, terminations, after)).toEqual(
          stepByStep(signings, terminations, after),
        );
      }),
      { numRuns: 3000 },
    );
  });
});
