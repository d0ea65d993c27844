import fc from 'fast-check';
import { ComplianceIndex } from './compliance.index';
import { evaluateFindings } from './evaluate-findings';
import { holdersAfter } from './retention.findings';
import {
  aDeletion,
  aDisclosure,
  aPermit,
  aTransfer,
  anAgreement,
  codesOf,
  day,
  members,
  referenceWorld,
  type Scenario,
} from './testing/compliance-world.factory';
import type { TargetRef, TransferFact } from './facts';

// The default disclosure: S1 to V1 on day 10 (t) relying on consent C1, revoked on day 20 (R).
const REVOKED = aPermit({ revokedAt: day(20) });
const AGREEMENTS = ['V1', 'V2', 'V3', 'V4'].map((vendorId) =>
  anAgreement({ agreementId: `A-${vendorId}`, vendorId }),
);
const RETAINED = ['RETAINED_AFTER_REVOCATION@S1'];

let hops = 0;
function hop(
  from: string,
  to: string,
  at: number,
  extra: Partial<TransferFact> = {},
): TransferFact {
  hops += 1;
  return aTransfer({
    eventId: `E-T${hops}`,
    ledgerSequence: 200 + hops,
    transferId: `T${hops}`,
    fromVendorId: from,
    toVendorId: to,
    at,
    ...extra,
  });
}

function deletedBy(vendorId: string, at: number, target: TargetRef = { studyInstanceUid: 'S1' }) {
  return aDeletion({ eventId: `E-X-${vendorId}-${at}`, vendorId, at, target });
}

interface Case extends Scenario {
  name: string;
  expected: string[];
}

describe('RETAINED_AFTER_REVOCATION', () => {
  it.each<Case>([
    {
      name: 'should report nothing when the consent relied on was never revoked',
      consents: [aPermit()],
      expected: [],
    },
    {
      name: 'should report it when the consent was revoked after t and nothing was deleted',
      consents: [REVOKED],
      expected: RETAINED,
    },
    {
      name: 'should report it when the recipient deleted before the revocation',
      consents: [REVOKED],
      deletions: [deletedBy('V1', day(15))],
      expected: RETAINED,
    },
    {
      name: 'should report it when the recipient deleted exactly at the revocation',
      consents: [REVOKED],
      deletions: [deletedBy('V1', day(20))],
      expected: RETAINED,
    },
    {
      name: 'should report nothing when the recipient deleted after the revocation',
      consents: [REVOKED],
      deletions: [deletedBy('V1', day(20, 1))],
      expected: [],
    },
    {
      name: 'should report it when only another vendor deleted after the revocation',
      consents: [REVOKED],
      deletions: [deletedBy('V2', day(25))],
      expected: RETAINED,
    },
    {
      name: 'should report it when the recipient deleted another study',
      consents: [REVOKED],
      deletions: [deletedBy('V1', day(25), { studyInstanceUid: 'S2' })],
      expected: RETAINED,
    },
    {
      name: 'should report nothing when another consent relied on was not revoked',
      consents: [REVOKED, aPermit({ consentId: 'C2' })],
      expected: [],
    },
    {
      name: 'should report it when the deletion came between two revocations of consents relied on',
      consents: [REVOKED, aPermit({ consentId: 'C2', revokedAt: day(25) })],
      deletions: [deletedBy('V1', day(22))],
      expected: RETAINED,
    },
    {
      name: 'should report nothing when the deletion came after the last revocation',
      consents: [REVOKED, aPermit({ consentId: 'C2', revokedAt: day(25) })],
      deletions: [deletedBy('V1', day(26))],
      expected: [],
    },
    {
      name: 'should report only NO_CONSENT when the revoked consent was not in force at t',
      consents: [aPermit({ validFrom: day(12), revokedAt: day(20) })],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report only CONSENT_REVOKED when the consent was revoked exactly at t',
      consents: [aPermit({ revokedAt: day(10) })],
      expected: ['CONSENT_REVOKED@S1'],
    },
    {
      name: 'should ignore a consent not covering the recipient when deciding what was relied on',
      consents: [REVOKED, aPermit({ consentId: 'C2', vendorIds: ['V2'] })],
      expected: RETAINED,
    },
    {
      name: 'should report nothing when the basis is not PATIENT_AUTHORIZATION',
      consents: [REVOKED],
      disclosure: { legalBasis: 'IRB_WAIVER' },
      expected: [],
    },
    {
      name: 'should report it when the consent relied on after a re-consent was revoked later',
      consents: [
        aPermit({ consentId: 'C1', revokedAt: day(5) }),
        aPermit({ consentId: 'C2', validFrom: day(6), revokedAt: day(20) }),
      ],
      deletions: [deletedBy('V1', day(15))],
      expected: RETAINED,
    },
    {
      name: 'should report it when a vendor two hops on still holds the study',
      consents: [REVOKED],
      transfers: [hop('V1', 'V2', day(12)), hop('V2', 'V3', day(14))],
      deletions: [deletedBy('V1', day(25)), deletedBy('V2', day(25))],
      expected: RETAINED,
    },
    {
      name: 'should report nothing when every vendor of a multi-hop chain deleted after the revocation',
      consents: [REVOKED],
      transfers: [hop('V1', 'V2', day(12)), hop('V2', 'V3', day(14)), hop('V3', 'V4', day(30))],
      deletions: ['V1', 'V2', 'V3', 'V4'].map((v) => deletedBy(v, day(31))),
      expected: [],
    },
    {
      name: 'should report it when a vendor received the study after the revocation and kept it',
      consents: [REVOKED],
      transfers: [hop('V1', 'V2', day(22))],
      deletions: [deletedBy('V1', day(25))],
      expected: RETAINED,
    },
    {
      name: 'should not follow a hop made before the disclosure',
      consents: [REVOKED],
      transfers: [hop('V1', 'V2', day(8))],
      deletions: [deletedBy('V1', day(25))],
      expected: [],
    },
    {
      name: 'should not follow a hop made at the disclosure’s instant',
      consents: [REVOKED],
      transfers: [hop('V1', 'V2', day(10))],
      deletions: [deletedBy('V1', day(25))],
      expected: [],
    },
    {
      name: 'should not follow a chain whose hops are out of time order',
      consents: [REVOKED],
      transfers: [hop('V2', 'V3', day(12)), hop('V1', 'V2', day(14))],
      deletions: [deletedBy('V1', day(25)), deletedBy('V2', day(25))],
      expected: [],
    },
    {
      name: 'should follow a chain whatever the order its transfers are listed in',
      consents: [REVOKED],
      transfers: [hop('V3', 'V4', day(16)), hop('V2', 'V3', day(14)), hop('V1', 'V2', day(12))],
      deletions: ['V1', 'V2', 'V3'].map((v) => deletedBy(v, day(25))),
      expected: RETAINED,
    },
    {
      name: 'should not chain two hops at the same instant',
      consents: [REVOKED],
      transfers: [hop('V2', 'V3', day(12)), hop('V1', 'V2', day(12))],
      deletions: [deletedBy('V1', day(25)), deletedBy('V2', day(25))],
      expected: [],
    },
    {
      name: 'should not follow a transfer from a vendor that never held the study',
      consents: [REVOKED],
      transfers: [hop('V4', 'V2', day(12))],
      deletions: [deletedBy('V1', day(25))],
      expected: [],
    },
    {
      name: 'should not follow a transfer of another study',
      consents: [REVOKED],
      transfers: [hop('V1', 'V2', day(12), { target: { studyInstanceUid: 'S2' } })],
      deletions: [deletedBy('V1', day(25))],
      expected: [],
    },
    {
      name: 'should follow a transfer of a dataset holding the study at the transfer’s time',
      consents: [REVOKED],
      datasetMembers: members('DS1', ['S1'], day(12)),
      transfers: [hop('V1', 'V2', day(12), { target: { datasetId: 'DS1' } })],
      deletions: [deletedBy('V1', day(25))],
      expected: RETAINED,
    },
    {
      name: 'should not follow a transfer of a dataset the study joined afterwards',
      consents: [REVOKED],
      datasetMembers: members('DS1', ['S1'], day(13)),
      transfers: [hop('V1', 'V2', day(12), { target: { datasetId: 'DS1' } })],
      deletions: [deletedBy('V1', day(25))],
      expected: [],
    },
    {
      name: 'should count a deletion of a dataset holding the study at the deletion’s time',
      consents: [REVOKED],
      datasetMembers: members('DS1', ['S1'], day(1)),
      deletions: [deletedBy('V1', day(25), { datasetId: 'DS1' })],
      expected: [],
    },
    {
      name: 'should not count a deletion of a dataset the study joined afterwards',
      consents: [REVOKED],
      datasetMembers: members('DS1', ['S1'], day(26)),
      deletions: [deletedBy('V1', day(25), { datasetId: 'DS1' })],
      expected: RETAINED,
    },
    {
      name: 'should report it once per study when a dataset was disclosed',
      consents: [REVOKED],
      datasetMembers: members('DS1', ['S1', 'S2'], day(1)),
      disclosure: { target: { datasetId: 'DS1' } },
      deletions: [deletedBy('V1', day(25))],
      expected: ['RETAINED_AFTER_REVOCATION@S2'],
    },
  ])('$name', ({ expected, ...scenario }) => {
    const world = referenceWorld({ agreements: AGREEMENTS, ...scenario });
    expect(codesOf(evaluateFindings(world), 'E-D1')).toEqual(expected);
  });

  it('should report it once and name only the holders that retain when several hold the study', () => {
    const findings = evaluateFindings(
      referenceWorld({
        agreements: AGREEMENTS,
        consents: [REVOKED, aPermit({ consentId: 'C0', revokedAt: day(18) })],
        disclosures: [aDisclosure({ eventId: 'E-9', ledgerSequence: 9 })],
        transfers: [hop('V1', 'V2', day(12)), hop('V1', 'V3', day(13)), hop('V3', 'V4', day(40))],
        deletions: [deletedBy('V3', day(21))],
      }),
    ).filter((f) => f.eventId === 'E-9');
    expect(findings).toEqual([
      {
        code: 'RETAINED_AFTER_REVOCATION',
        studyInstanceUid: 'S1',
        vendorId: 'V1',
        eventId: 'E-9',
        ledgerSequence: 9,
        occurredAt: day(10),
        detail:
          'Consents C0 and C1, relied on by this disclosure, were all revoked, the last on ' +
          '2024-01-21T00:00:00.000Z; no deletion attested after that by holders V1 (recipient), ' +
          'V2 (onward) and V4 (onward).',
      },
    ]);
  });
});

describe('holdersAfter', () => {
  it('should find the same holders whatever the order of the transfers', () => {
    const vendor = fc.constantFrom('V1', 'V2', 'V3', 'V4');
    const transfer = fc.record({ from: vendor, to: vendor, at: fc.integer({ min: 9, max: 14 }) });
    const transfers = fc
      .array(transfer, { maxLength: 12 })
      .map((list) => list.map(({ from, to, at }) => hop(from, to, day(at))));
    const holders = (list: readonly TransferFact[]) =>
      holdersAfter('S1', 'V1', day(10), new ComplianceIndex(referenceWorld({ transfers: list })));
    fc.assert(
      fc.property(
        transfers.chain((list) =>
          fc.tuple(
            fc.constant(list),
            fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }),
          ),
        ),
        ([list, reordered]) => {
          expect(holders(reordered)).toEqual(holders(list));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should give each holder the earliest time it held the study when several chains reach it', () => {
    const world = referenceWorld({
      transfers: [
        hop('V1', 'V2', day(12)),
        hop('V2', 'V3', day(15)),
        hop('V1', 'V3', day(13)),
        hop('V3', 'V1', day(16)),
      ],
    });
    const holders = holdersAfter('S1', 'V1', day(10), new ComplianceIndex(world));
    expect(Object.fromEntries(holders)).toEqual({ V1: day(10), V2: day(12), V3: day(13) });
  });
});
