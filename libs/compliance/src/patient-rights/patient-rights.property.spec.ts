import fc from 'fast-check';
import { evaluateBreachImpact } from './breach-impact.evaluation';
import { evaluateDeletionRequest } from './deletion-request.evaluation';
import type { PatientRightsWorld } from './patient-rights.facts';
import { PatientRightsIndex } from './patient-rights.index';
import {
  aBreach,
  aRequest,
  attested,
  day,
  derived,
  disclosed,
  inspected,
  registered,
  transferred,
} from './testing/patient-rights-world.factory';

const vendor = fc.constantFrom('V1', 'V2', 'V3');
const study = fc.constantFrom('S1', 'S2', 'S1-D', 'S1-DD', 'S9');
const what = fc.oneof(study, fc.constant('DS1'));
const when = fc.integer({ min: 0, max: 120 }).map((n) => day(n));

const world: fc.Arbitrary<PatientRightsWorld> = fc.record({
  studies: fc.constant([
    registered('S1'),
    registered('S2'),
    registered('S9', 'PSN-2'),
    derived('S1-D', 'S1'),
    derived('S1-DD', 'S1-D', ['113101'], day(40)),
  ]),
  datasetMembers: fc.array(
    fc.record({ datasetId: fc.constant('DS1'), studyInstanceUid: study, addedAt: when }),
    { maxLength: 4 },
  ),
  disclosures: fc.array(
    fc.tuple(vendor, what, when).map(([v, w, t]) => disclosed(v, w, t)),
    {
      maxLength: 8,
    },
  ),
  transfers: fc.array(
    fc.tuple(vendor, vendor, what, when).map(([a, b, w, t]) => transferred(a, b, w, t)),
    { maxLength: 5 },
  ),
  deletions: fc.array(
    fc.tuple(vendor, what, when).map(([v, w, t]) => attested(v, w, t)),
    {
      maxLength: 6,
    },
  ),
  inspections: fc.array(
    fc
      .tuple(
        fc.constantFrom('S1-D', 'S1-DD'),
        fc.constantFrom<'PASS' | 'FAIL'>('PASS', 'FAIL'),
        when,
      )
      .map(([uid, result, t]) => inspected(uid, result, t)),
    { maxLength: 3 },
  ),
});

/** The same world with every list in another order. */
function shuffled(w: PatientRightsWorld, seed: number): PatientRightsWorld {
  const rng = (i: number): number => ((seed * 9301 + i * 49297) % 233280) / 233280;
  const mix = <T>(list: readonly T[]): T[] =>
    list
      .map((item, i) => ({ item, key: rng(i) }))
      .sort((a, b) => a.key - b.key)
      .map(({ item }) => item);
  return {
    studies: mix(w.studies).reverse(),
    datasetMembers: mix(w.datasetMembers),
    disclosures: mix(w.disclosures),
    transfers: mix(w.transfers),
    deletions: mix(w.deletions),
    inspections: mix(w.inspections),
  };
}

describe('patient rights evaluation', () => {
  it('should not depend on the order of the events when they are shuffled', () => {
    fc.assert(
      fc.property(world, fc.integer({ min: 1, max: 10_000 }), when, (w, seed, asOf) => {
        const request = aRequest();
        const breach = aBreach({ exposureFrom: day(30), exposureTo: day(60) });
        const other = shuffled(w, seed);
        expect(evaluateDeletionRequest(request, new PatientRightsIndex(other, asOf))).toEqual(
          evaluateDeletionRequest(request, new PatientRightsIndex(w, asOf)),
        );
        expect(evaluateBreachImpact(breach, new PatientRightsIndex(other))).toEqual(
          evaluateBreachImpact(breach, new PatientRightsIndex(w)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('should never lose a fulfilled obligation as asOf moves later', () => {
    fc.assert(
      fc.property(world, when, when, (w, a, b) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        const request = aRequest();
        const before = evaluateDeletionRequest(request, new PatientRightsIndex(w, early));
        const after = evaluateDeletionRequest(request, new PatientRightsIndex(w, late));
        for (const o of before?.obligations ?? []) {
          if (o.status !== 'FULFILLED') continue;
          const same = after?.obligations.find(
            (x) => x.vendorId === o.vendorId && x.studyInstanceUid === o.studyInstanceUid,
          );
          expect(same).toEqual(o);
        }
      }),
      { numRuns: 300 },
    );
  });
});
